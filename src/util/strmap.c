/* strmap.c: string-keyed open-addressing hash map (see strmap.h). */
#include "shipskip/util/strmap.h"

#include <stdlib.h>
#include <string.h>

uint64_t sk_hash_str(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s != '\0'; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

void sk_strmap_init(struct sk_strmap *m) {
  m->slots = NULL;
  m->cap = 0;
  m->used = 0;
}

void sk_strmap_cleanup(struct sk_strmap *m, void (*free_value)(void *)) {
  size_t i;
  for (i = 0; i < m->cap; i++) {
    free(m->slots[i].key);
    if (free_value != NULL && m->slots[i].key != NULL)
      free_value(m->slots[i].value);
  }
  free(m->slots);
  sk_strmap_init(m);
}

static struct sk_strmap_slot *probe(struct sk_strmap_slot *slots, size_t cap,
                                    const char *key) {
  size_t i = (size_t)sk_hash_str(key) & (cap - 1);
  while (slots[i].key != NULL && strcmp(slots[i].key, key) != 0)
    i = (i + 1) & (cap - 1);
  return &slots[i];
}

struct sk_strmap_slot *sk_strmap_find(const struct sk_strmap *m,
                                      const char *key) {
  struct sk_strmap_slot *s;
  if (m->cap == 0)
    return NULL;
  s = probe(m->slots, m->cap, key);
  return s->key != NULL ? s : NULL;
}

struct sk_strmap_slot *sk_strmap_put(struct sk_strmap *m, const char *key,
                                     int *added) {
  struct sk_strmap_slot *s;

  *added = 0;
  /* Grow at half full: probes stay short. */
  if ((m->used + 1) * 2 > m->cap) {
    size_t ncap = m->cap ? m->cap * 2 : 64;
    struct sk_strmap_slot *slots = calloc(ncap, sizeof(*slots));
    size_t i;
    if (slots == NULL)
      return NULL;
    for (i = 0; i < m->cap; i++)
      if (m->slots[i].key != NULL)
        *probe(slots, ncap, m->slots[i].key) = m->slots[i];
    free(m->slots);
    m->slots = slots;
    m->cap = ncap;
  }
  s = probe(m->slots, m->cap, key);
  if (s->key == NULL) {
    s->key = strdup(key);
    if (s->key == NULL)
      return NULL;
    s->value = NULL;
    m->used++;
    *added = 1;
  }
  return s;
}
