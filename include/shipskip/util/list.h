/* list.h: an intrusive, circular, doubly linked list, in the style of libuv's
 * queue.h, and container_of().
 *
 * A struct that lives on a list embeds a `struct sk_list` member; the list
 * head is a bare `struct sk_list`. Nothing is allocated: insertion and
 * removal are O(1) and cannot fail, which is what an event loop that must not
 * fail halfway through a callback wants. sk_container_of() gets from the
 * member (or from a uv handle embedded in a struct) back to its owner
 * without a cast that would hide a wrong type.
 *
 *   struct job { int id; struct sk_list node; };
 *   struct sk_list jobs;
 *   sk_list_init(&jobs);
 *   sk_list_push_back(&jobs, &j->node);
 *   SK_LIST_FOREACH(n, &jobs) { struct job *j = sk_container_of(n, struct
 *                               job, node); ... }
 */
#ifndef SHIPSKIP_LIST_H
#define SHIPSKIP_LIST_H

#include <stddef.h>

/* The struct of `type` whose `member` is at address ptr. */
#define sk_container_of(ptr, type, member)                                     \
  ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

struct sk_list {
  struct sk_list *next;
  struct sk_list *prev;
};

/* Makes head (or a node) an empty list: a node that is on no list is its own
 * neighbour, so sk_list_remove() on it is harmless. */
static inline void sk_list_init(struct sk_list *head) {
  head->next = head;
  head->prev = head;
}

/* Returns 1 when head has no nodes (or a node is on no list). */
static inline int sk_list_empty(const struct sk_list *head) {
  return head->next == head;
}

/* Adds node at the tail of head. node must be on no list. */
static inline void sk_list_push_back(struct sk_list *head,
                                     struct sk_list *node) {
  node->next = head;
  node->prev = head->prev;
  head->prev->next = node;
  head->prev = node;
}

/* Adds node at the front of head. node must be on no list. */
static inline void sk_list_push_front(struct sk_list *head,
                                      struct sk_list *node) {
  node->prev = head;
  node->next = head->next;
  head->next->prev = node;
  head->next = node;
}

/* Takes node off its list and leaves it on none. Harmless on a node that is
 * on no list. */
static inline void sk_list_remove(struct sk_list *node) {
  node->prev->next = node->next;
  node->next->prev = node->prev;
  sk_list_init(node);
}

/* The first node of head, or NULL when it is empty. */
static inline struct sk_list *sk_list_first(const struct sk_list *head) {
  return head->next == head ? NULL : head->next;
}

/* Iterates n over head; n must not be removed inside the loop (use
 * SK_LIST_FOREACH_SAFE for that). */
#define SK_LIST_FOREACH(n, head)                                               \
  for (struct sk_list *n = (head)->next; n != (head); n = n->next)

/* Iterates n over head; n may be removed (and freed) inside the loop. */
#define SK_LIST_FOREACH_SAFE(n, head)                                          \
  for (struct sk_list *n = (head)->next, *n##_next = n->next; n != (head);     \
       n = n##_next, n##_next = n->next)

#endif
