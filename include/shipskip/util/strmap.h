/* strmap.h: a string-keyed hash map (open addressing, linear probing).
 *
 * Keys are copied; values are opaque pointers the map does not own unless a
 * free function is given to sk_strmap_cleanup. Used for the batch's slug set
 * and the journal's index; memory is one slot per key plus the key.
 */
#ifndef SHIPSKIP_STRMAP_H
#define SHIPSKIP_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct sk_strmap_slot {
  char *key; /* NULL: empty */
  void *value;
};

struct sk_strmap {
  struct sk_strmap_slot *slots;
  size_t cap; /* a power of two, or 0 */
  size_t used;
};

/* FNV-1a over a C string: stable across machines and runs. */
uint64_t sk_hash_str(const char *s);

/* Initializes an empty map. Cannot fail. */
void sk_strmap_init(struct sk_strmap *m);

/* Frees the keys, and each value with free_value when it is not NULL. */
void sk_strmap_cleanup(struct sk_strmap *m, void (*free_value)(void *));

/* Returns the slot of key, or NULL when key is absent. */
struct sk_strmap_slot *sk_strmap_find(const struct sk_strmap *m,
                                      const char *key);

/* Finds or adds key. Returns its slot (a new one has value NULL) and sets
 * *added to 1 if it was added; NULL on out of memory. The slot pointer is
 * valid until the next insertion. */
struct sk_strmap_slot *sk_strmap_put(struct sk_strmap *m, const char *key,
                                     int *added);

#endif
