/* test_list.c: the intrusive list and container_of (util/list.h). */
#include "harness.h"
#include "shipskip/util/list.h"

struct job {
  int id;
  struct sk_list node;
};

static int ids(struct sk_list *head, int *out, int max) {
  int n = 0;
  SK_LIST_FOREACH(it, head) {
    if (n < max)
      out[n] = sk_container_of(it, struct job, node)->id;
    n++;
  }
  return n;
}

TEST(empty_list) {
  struct sk_list head;
  sk_list_init(&head);
  ASSERT(sk_list_empty(&head));
  ASSERT(sk_list_first(&head) == NULL);
}

TEST(order_and_removal) {
  struct sk_list head;
  struct job a = {1, {0, 0}}, b = {2, {0, 0}}, c = {3, {0, 0}};
  int got[4];

  sk_list_init(&head);
  sk_list_push_back(&head, &b.node);
  sk_list_push_back(&head, &c.node);
  sk_list_push_front(&head, &a.node);
  ASSERT_INT_EQ(ids(&head, got, 4), 3);
  ASSERT_INT_EQ(got[0], 1);
  ASSERT_INT_EQ(got[1], 2);
  ASSERT_INT_EQ(got[2], 3);
  sk_list_remove(&b.node);
  ASSERT_INT_EQ(ids(&head, got, 4), 2);
  ASSERT_INT_EQ(got[1], 3);
  /* A removed node is on no list: removing it again changes nothing. */
  sk_list_remove(&b.node);
  ASSERT_INT_EQ(ids(&head, got, 4), 2);
  ASSERT(sk_container_of(sk_list_first(&head), struct job, node) == &a);
}

TEST(remove_while_iterating) {
  struct sk_list head;
  struct job j[5];
  int got[5];
  int i;

  sk_list_init(&head);
  for (i = 0; i < 5; i++) {
    j[i].id = i;
    sk_list_push_back(&head, &j[i].node);
  }
  SK_LIST_FOREACH_SAFE(it, &head) {
    if (sk_container_of(it, struct job, node)->id % 2 == 0)
      sk_list_remove(it);
  }
  ASSERT_INT_EQ(ids(&head, got, 5), 2);
  ASSERT_INT_EQ(got[0], 1);
  ASSERT_INT_EQ(got[1], 3);
}

int main(void) {
  RUN(empty_list);
  RUN(order_and_removal);
  RUN(remove_while_iterating);
  return TEST_REPORT();
}
