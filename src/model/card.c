/* card.c: sets of scorecards for publishing -- a directory read through
 * the scorecard codec, sorted by slug -- and finding one by slug, name or
 * path (see card.h). Nothing here parses a scorecard. */
#include "shipskip/model/card.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/model/tool.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void sk_card_apply_votes(struct sk_scorecard *c, const struct sk_votes *votes) {
  const struct sk_vote *v;
  if (votes == NULL)
    return;
  v = sk_votes_find(votes, c->tool->slug);
  c->has_community = 1;
  c->community.ship = v != NULL ? v->ship : 0;
  c->community.skip = v != NULL ? v->skip : 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suffix) {
  size_t ls = strlen(s);
  size_t lx = strlen(suffix);
  return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* Orders cards by slug, then by path, so of two cards with one slug the
 * one from the file that sorts first comes first. */
static int by_slug_then_path(const void *a, const void *b) {
  const struct sk_scorecard *x = *(const struct sk_scorecard *const *)a;
  const struct sk_scorecard *y = *(const struct sk_scorecard *const *)b;
  int c = strcmp(x->tool->slug, y->tool->slug);
  return c != 0 ? c : strcmp(x->path, y->path);
}

int sk_card_set_load(const char *dir, unsigned flags, struct sk_card_set *set,
                     size_t *nbad, void (*report)(void *ctx, const char *msg),
                     void *ctx, struct sk_error *err) {
  DIR *d;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0;
  size_t size = 0;
  size_t i;
  size_t k;
  int rc = 0;

  memset(set, 0, sizeof(*set));
  if (nbad != NULL)
    *nbad = 0;
  d = opendir(dir);
  if (d == NULL)
    return sk_error_set(err, errno == ENOENT ? SK_ENOENT : SK_EIO,
                        "%s: cannot read the directory: %s", dir,
                        strerror(errno));
  /* Names first, sorted, so the order (and which duplicate wins) does not
   * depend on the file system. */
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' || !ends_with(e->d_name, ".json"))
      continue;
    if (n == size) {
      size_t nsize = size ? size * 2 : 64;
      char **p = realloc(names, nsize * sizeof(*p));
      if (p == NULL) {
        rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", dir);
        goto out;
      }
      names = p;
      size = nsize;
    }
    names[n] = strdup(e->d_name);
    if (names[n] == NULL) {
      rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", dir);
      goto out;
    }
    n++;
  }
  if (n > 1)
    qsort(names, n, sizeof(*names), cmp_names);
  set->cards = calloc(n + 1, sizeof(*set->cards));
  if (set->cards == NULL) {
    rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", dir);
    goto out;
  }
  for (i = 0; i < n; i++) {
    struct sk_error e1;
    struct sk_scorecard *c = NULL;
    char *path = sk_path_join_dup(dir, names[i]);
    int r;
    if (path == NULL) {
      rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", dir);
      goto out;
    }
    sk_error_clear(&e1);
    r = sk_scorecard_load(path, &c, NULL, &e1);
    free(path);
    if (r == SK_ENOMEM) {
      rc = sk_error_set(err, SK_ENOMEM, "%s", e1.msg);
      goto out;
    }
    if (r == SK_EINVAL)
      continue; /* another schema: not ours to publish */
    if (r != 0) {
      if (report != NULL)
        report(ctx, e1.msg);
      if (nbad != NULL)
        (*nbad)++;
      continue;
    }
    if (flags & SK_CARD_SUMMARY)
      sk_scorecard_strip(c);
    set->cards[set->n++] = c;
  }
  /* Sorted by slug for lookups; a slug taken twice keeps its first file. */
  if (set->n > 1)
    qsort(set->cards, set->n, sizeof(*set->cards), by_slug_then_path);
  for (i = 1, k = set->n ? 1 : 0; i < set->n; i++) {
    struct sk_scorecard *c = set->cards[i];
    if (strcmp(c->tool->slug, set->cards[k - 1]->tool->slug) != 0) {
      set->cards[k++] = c;
      continue;
    }
    if (report != NULL) {
      char msg[sizeof(err->msg)];
      snprintf(msg, sizeof(msg),
               "%.120s: slug \"%s\" is already taken by %.80s; skipped",
               c->path, c->tool->slug, set->cards[k - 1]->path);
      report(ctx, msg);
    }
    if (nbad != NULL)
      (*nbad)++;
    sk_scorecard_free(c);
  }
  set->n = k;
out:
  for (i = 0; i < n; i++)
    free(names[i]);
  free(names);
  closedir(d);
  if (rc != 0)
    sk_card_set_cleanup(set);
  return rc;
}

void sk_card_set_cleanup(struct sk_card_set *set) {
  size_t i;
  if (set == NULL)
    return;
  for (i = 0; i < set->n; i++)
    sk_scorecard_free(set->cards[i]);
  free(set->cards);
  memset(set, 0, sizeof(*set));
}

static int find_cmp(const void *key, const void *elem) {
  const struct sk_scorecard *c = *(const struct sk_scorecard *const *)elem;
  return strcmp(key, c->tool->slug);
}

struct sk_scorecard *sk_card_set_find(const struct sk_card_set *set,
                                      const char *slug) {
  struct sk_scorecard **found;
  if (set->n == 0)
    return NULL;
  found = bsearch(slug, set->cards, set->n, sizeof(*set->cards), find_cmp);
  return found != NULL ? *found : NULL;
}

static int ascii_caseeq(const char *a, const char *b) {
  for (; *a != '\0' && *b != '\0'; a++, b++) {
    char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
    char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
    if (x != y)
      return 0;
  }
  return *a == *b;
}

/* Appends ", " and s to buf (size bytes) while it fits. */
static void list_append(char *buf, size_t size, const char *s) {
  size_t len = strlen(buf);
  if (len + strlen(s) + 8 >= size) {
    if (len + 5 < size && !ends_with(buf, "..."))
      memcpy(buf + len, ", ...", 6);
    return;
  }
  snprintf(buf + len, size - len, "%s%s", len ? ", " : "", s);
}

struct sk_scorecard *sk_card_set_match(const struct sk_card_set *set,
                                       const char *what, struct sk_error *err) {
  struct sk_scorecard *found = sk_card_set_find(set, what);
  char known[160];
  size_t nmatch = 0;
  size_t i;

  if (found != NULL)
    return found;
  known[0] = '\0';
  for (i = 0; i < set->n; i++) {
    if (set->cards[i] != NULL &&
        ascii_caseeq(set->cards[i]->tool->name, what)) {
      found = set->cards[i];
      nmatch++;
      list_append(known, sizeof(known), set->cards[i]->tool->slug);
    }
  }
  if (nmatch == 1)
    return found;
  if (nmatch > 1) {
    sk_error_set(err, SK_EINVAL,
                 "\"%.80s\" names %zu tools (%s); give a slug instead", what,
                 nmatch, known);
    return NULL;
  }
  for (i = 0; i < set->n; i++)
    if (set->cards[i] != NULL)
      list_append(known, sizeof(known), set->cards[i]->tool->slug);
  sk_error_set(err, SK_ENOENT,
               "no scorecard has the slug or tool name \"%.80s\" (known: %s)",
               what, set->n ? known : "none");
  return NULL;
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int sk_card_resolve(const char *what, const char *dir,
                    struct sk_scorecard **out, struct sk_error *err) {
  struct sk_card_set set;
  struct sk_scorecard *c;
  char *path = NULL;
  int rc;

  *out = NULL;
  if (strchr(what, '/') != NULL || ends_with(what, ".json")) {
    if (strchr(what, '/') == NULL && !file_exists(what)) {
      path = sk_path_join_dup(dir, what);
      if (path == NULL)
        return sk_error_set(err, SK_ENOMEM, "out of memory");
      rc = sk_scorecard_load(path, out, NULL, err);
      free(path);
      return rc;
    }
    return sk_scorecard_load(what, out, NULL, err);
  }
  if (sk_slug_is_safe(what)) {
    char name[SK_TOOL_MAX_SLUG + 8];
    snprintf(name, sizeof(name), "%s.json", what);
    path = sk_path_join_dup(dir, name);
    if (path == NULL)
      return sk_error_set(err, SK_ENOMEM, "out of memory");
    if (file_exists(path)) {
      rc = sk_scorecard_load(path, out, NULL, err);
      free(path);
      return rc;
    }
    free(path);
  }
  /* Match on summaries, then read the one card in full. */
  rc = sk_card_set_load(dir, SK_CARD_SUMMARY, &set, NULL, NULL, NULL, err);
  if (rc != 0)
    return rc;
  c = sk_card_set_match(&set, what, err);
  if (c == NULL)
    rc = err != NULL && err->code != 0 ? err->code : SK_ENOENT;
  else
    rc = sk_scorecard_load(c->path, out, NULL, err);
  sk_card_set_cleanup(&set);
  return rc;
}

void sk_card_percent_text(const struct sk_scorecard *c, char *buf,
                          size_t size) {
  if (c->panel.reviewers > 0)
    snprintf(buf, size, "%d%%", c->panel.ship_percent);
  else
    snprintf(buf, size, "—");
}

void sk_card_mean_text(const struct sk_scorecard *c, char *buf, size_t size) {
  if (c->panel.reviewers > 0)
    snprintf(buf, size, "%.1f", c->panel.mean_score);
  else
    snprintf(buf, size, "—");
}

void sk_card_community_text(const struct sk_scorecard *c, char *buf,
                            size_t size) {
  if (c->has_community)
    sk_votes_format(c->community.ship, c->community.skip, buf, size);
  else
    sk_votes_format(0, 0, buf, size);
}

void sk_card_score_text(const struct sk_review *r, char *buf, size_t size) {
  if (r->status == SK_REVIEW_OK)
    snprintf(buf, size, "%d/100 · %s", r->score, r->verdict);
  else
    snprintf(buf, size, "failed");
}
