/* tool.c: building, checking and freeing tool records (see tool.h). */
#include "shipskip/model/tool.h"
#include "shipskip/util/jsonget.h"
#include "shipskip/util/sha256.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fields a record may carry, in the order they are checked. */
static const struct field_spec {
  const char *name;
  size_t offset;
  int required;
  size_t cap;
} FIELDS[] = {
    {"name", offsetof(struct sk_tool, name), 1, 200},
    {"description", offsetof(struct sk_tool, description), 1,
     SK_TOOL_MAX_DESCRIPTION},
    {"slug", offsetof(struct sk_tool, slug), 0, SK_TOOL_MAX_SLUG},
    {"tagline", offsetof(struct sk_tool, tagline), 0, SK_TOOL_MAX_FIELD},
    {"category", offsetof(struct sk_tool, category), 0, 200},
    {"pricing", offsetof(struct sk_tool, pricing), 0, SK_TOOL_MAX_FIELD},
    {"entry", offsetof(struct sk_tool, entry), 0, 20},
    {"best_for", offsetof(struct sk_tool, best_for), 0, SK_TOOL_MAX_FIELD},
    {"url", offsetof(struct sk_tool, url), 0, SK_TOOL_MAX_FIELD},
};

#define NFIELDS (sizeof(FIELDS) / sizeof(FIELDS[0]))

static char **field_slot(struct sk_tool *t, const struct field_spec *f) {
  return (char **)(void *)((char *)t + f->offset);
}

int sk_utf8_valid(const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;

  while (i < len) {
    unsigned char c = s[i];
    unsigned cp;
    size_t n;
    size_t k;
    if (c == 0)
      return 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return 0;
    }
    if (len - i <= n)
      return 0;
    for (k = 1; k <= n; k++) {
      if ((s[i + k] & 0xC0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    /* Reject overlong forms, UTF-16 surrogates and values past U+10FFFF. */
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return 0;
    i += n + 1;
  }
  return 1;
}

/* Returns the first C0 control character other than tab, LF and CR, or 0. */
static int find_control(const char *s) {
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
      return c;
  }
  return 0;
}

int sk_slug_is_safe(const char *s) {
  size_t i;

  if (s == NULL || s[0] == '\0' || s[0] == '-')
    return 0;
  for (i = 0; s[i] != '\0'; i++) {
    char c = s[i];
    if (i >= SK_TOOL_MAX_SLUG)
      return 0;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return 0;
  }
  return 1;
}

/* Stems of the files a run, a calibration or a site writes into OUTDIR
 * beside the scorecards (STEM.json and STEM.md), and of the panel file
 * read from the working directory (shipskip.json, when OUTDIR is "."). A
 * tool's slug may never be one of them, or its scorecard and a run file
 * would overwrite each other. The second name is the file a message names.
 * A new run file adds its stem here; one whose name starts with '.' (the
 * lock, .lock) needs none, since no slug does. */
static const char *const RESERVED[][2] = {
    {"summary", "summary.json"},
    {"journal", "journal.jsonl"},
    {"calibration", "calibration.json"},
    {"shipskip", "shipskip.json"},
    {"index", "index.html"},
    {"panel", "panel.html"},
    {"by-name", "by-name.html"},
    {"by-score", "by-score.html"},
};

const char *sk_slug_reserved(const char *slug) {
  size_t i;
  for (i = 0; i < sizeof(RESERVED) / sizeof(RESERVED[0]); i++)
    if (strcmp(slug, RESERVED[i][0]) == 0)
      return RESERVED[i][1];
  return NULL;
}

/* Appends word to the slug being built: a '-' first when a separator is
 * pending, then the characters while they fit. The '-' is written only
 * when a character can follow it, so a slug never ends in '-'. */
static void put_word(char *out, size_t *n, int *dash, const char *word,
                     size_t len) {
  size_t k;
  for (k = 0; k < len && *n < SK_TOOL_MAX_SLUG; k++) {
    if (*dash && *n > 0 && *n < SK_TOOL_MAX_SLUG - 1)
      out[(*n)++] = '-';
    *dash = 0;
    out[(*n)++] = word[k];
  }
}

static int is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

/* The word a sign is spelled as, or NULL when it folds into a separator.
 * Only signs that tell everyday names apart are spelled: '+' (C++,
 * libflac++), '#' after a letter or digit (C#, F#), and '.' opening a name
 * or a word (.NET). A '.' inside a word (Node.js, 2.5) still folds, so
 * ordinary names keep the slugs they always had. */
static const char *sign_word(const char *name, const char *p) {
  if (*p == '+')
    return "plus";
  if (*p == '#' && p > name && is_alnum(p[-1]))
    return "sharp";
  if (*p == '.' && (p == name || p[-1] == ' ') && is_alnum(p[1]))
    return "dot";
  return NULL;
}

void sk_slug_from_name(const char *name, char out[SK_TOOL_MAX_SLUG + 1]) {
  size_t n = 0;
  int dash = 0;
  const char *p;
  const char *reserved;

  for (p = name; *p != '\0' && n < SK_TOOL_MAX_SLUG; p++) {
    char c = *p;
    const char *word = sign_word(name, p);
    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (is_alnum(c)) {
      put_word(out, &n, &dash, &c, 1);
    } else if (word != NULL) {
      /* A spelled sign is a word of its own: "c-plus-plus", "dot-net". */
      dash = 1;
      put_word(out, &n, &dash, word, strlen(word));
      dash = 1;
    } else {
      dash = 1;
    }
  }
  out[n] = '\0';
  if (n == 0) {
    /* A name with no ASCII letters (say, all CJK) still needs a stable,
     * distinct file name; a digest of the name gives one. */
    char hex[65];
    sk_sha256_hex(name, strlen(name), hex);
    memcpy(out, "tool-", 5);
    memcpy(out + 5, hex, 12);
    out[17] = '\0';
  }
  reserved = sk_slug_reserved(out);
  if (reserved != NULL) {
    /* "Summary" would overwrite summary.json: a tool called so is
     * "summary-tool" (every reserved stem is short enough). */
    strcat(out, "-tool");
  }
}

/* Where the slugs are taken: the claim below works on either set. */
struct slug_set {
  /* Puts slug in the set for name. Returns 1 when it was free (now held
   * by name), 0 when a tool holds it (*same: the holder has name too), or
   * SK_ENOMEM. */
  int (*take)(void *set, const char *slug, const char *name, int *same);
  void *set;
};

/* take() for a strmap whose values are copies of the holders' names. */
static int take_strmap(void *set, const char *slug, const char *name,
                       int *same) {
  int added = 0;
  struct sk_strmap_slot *slot = sk_strmap_put(set, slug, &added);
  *same = 0;
  if (slot == NULL)
    return SK_ENOMEM;
  if (!added) {
    *same = strcmp(slot->value, name) == 0;
    return 0;
  }
  slot->value = strdup(name);
  return slot->value != NULL ? 1 : SK_ENOMEM;
}

/* Claims t->slug, or a derived slug made distinct, in set. */
static int claim(const struct slug_set *set, struct sk_tool *t,
                 struct sk_error *err) {
  static const int SUFFIX[] = {6, 12};
  int same = 0;
  char hex[65];
  size_t i;
  int rc = set->take(set->set, t->slug, t->name, &same);

  /* Only a slug the record chose, or the same name twice, is a conflict:
   * two distinct names never cost a tool. */
  if (rc != 0 || t->slug_given || same)
    goto out;
  /* A derived slug met another tool's: the names differ only in case or in
   * signs that fold. Hex digits of the name's digest keep them apart, the
   * same whatever the input order; 12 if 6 should meet yet another. */
  sk_sha256_hex(t->name, strlen(t->name), hex);
  for (i = 0; i < sizeof(SUFFIX) / sizeof(SUFFIX[0]) && rc == 0; i++) {
    char alt[SK_TOOL_MAX_SLUG + 1];
    size_t n = strlen(t->slug);
    if (n > SK_TOOL_MAX_SLUG - 1 - (size_t)SUFFIX[i])
      n = SK_TOOL_MAX_SLUG - 1 - (size_t)SUFFIX[i];
    while (n > 0 && t->slug[n - 1] == '-')
      n--;
    snprintf(alt, sizeof(alt), "%.*s-%.*s", (int)n, t->slug, SUFFIX[i], hex);
    rc = set->take(set->set, alt, t->name, &same);
    if (rc == 1) {
      char *copy = strdup(alt);
      if (copy == NULL)
        return sk_error_set(err, SK_ENOMEM, "out of memory");
      free(t->slug);
      t->slug = copy;
    }
    if (rc == 0 && same)
      break;
  }
out:
  if (rc == 0)
    sk_error_set(err, SK_EPARSE,
                 "%s: slug \"%s\" is already used by another tool in this "
                 "batch; give one of them a distinct \"slug\"",
                 t->origin, t->slug);
  else if (rc < 0)
    sk_error_set(err, rc, "out of memory");
  return rc;
}

int sk_slug_claim(struct sk_strmap *taken, struct sk_tool *t,
                  struct sk_error *err) {
  struct slug_set set;
  set.take = take_strmap;
  set.set = taken;
  return claim(&set, t, err);
}

void sk_slugset_init(struct sk_slugset *s) {
  memset(s, 0, sizeof(*s));
}

void sk_slugset_cleanup(struct sk_slugset *s) {
  if (s == NULL)
    return;
  free(s->slots);
  sk_slugset_init(s);
}

/* The first 128 bits of the SHA-256 of s. An all-zero digest would read as
 * an empty slot: its first byte is made 1 (one digest in 2^128 moves). */
static void digest128(const char *s, unsigned char out[16]) {
  static const unsigned char ZERO[16];
  unsigned char full[32];
  struct sk_sha256 h;
  sk_sha256_init(&h);
  sk_sha256_update(&h, s, strlen(s));
  sk_sha256_final(&h, full);
  memcpy(out, full, 16);
  if (memcmp(out, ZERO, 16) == 0)
    out[0] = 1;
}

/* The slot of slug digest d: its own, or the empty one where it would go. */
static struct sk_slugset_slot *slot_of(struct sk_slugset_slot *slots,
                                       size_t cap, const unsigned char d[16]) {
  static const unsigned char ZERO[16];
  uint64_t h;
  size_t i;
  memcpy(&h, d, sizeof(h)); /* the digest is uniform: any 64 bits hash it */
  i = (size_t)h & (cap - 1);
  while (memcmp(slots[i].slug, ZERO, 16) != 0 && memcmp(slots[i].slug, d, 16))
    i = (i + 1) & (cap - 1);
  return &slots[i];
}

/* take() for a sk_slugset. */
static int take_slugset(void *set, const char *slug, const char *name,
                        int *same) {
  static const unsigned char ZERO[16];
  struct sk_slugset *s = set;
  struct sk_slugset_slot *slot;
  unsigned char d[16];
  unsigned char nd[16];

  *same = 0;
  /* Grow at three quarters full: probes stay short, slots stay few. */
  if ((s->used + 1) * 4 > s->cap * 3) {
    size_t ncap = s->cap ? s->cap * 2 : 64;
    struct sk_slugset_slot *slots = calloc(ncap, sizeof(*slots));
    size_t i;
    if (slots == NULL)
      return SK_ENOMEM;
    for (i = 0; i < s->cap; i++)
      if (memcmp(s->slots[i].slug, ZERO, 16) != 0)
        *slot_of(slots, ncap, s->slots[i].slug) = s->slots[i];
    free(s->slots);
    s->slots = slots;
    s->cap = ncap;
  }
  digest128(slug, d);
  digest128(name, nd);
  slot = slot_of(s->slots, s->cap, d);
  if (memcmp(slot->slug, ZERO, 16) != 0) {
    *same = memcmp(slot->name, nd, 16) == 0;
    return 0;
  }
  memcpy(slot->slug, d, 16);
  memcpy(slot->name, nd, 16);
  s->used++;
  return 1;
}

int sk_slugset_claim(struct sk_slugset *s, struct sk_tool *t,
                     struct sk_error *err) {
  struct slug_set set;
  set.take = take_slugset;
  set.set = s;
  return claim(&set, t, err);
}

void sk_tool_free(struct sk_tool *t) {
  size_t i;

  if (t == NULL)
    return;
  for (i = 0; i < NFIELDS; i++)
    free(*field_slot(t, &FIELDS[i]));
  free(t->origin);
  free(t);
}

const char *sk_tool_field(const struct sk_tool *t, const char *field) {
  size_t i;

  for (i = 0; i < NFIELDS; i++)
    if (strcmp(FIELDS[i].name, field) == 0)
      return *field_slot((struct sk_tool *)(void *)t, &FIELDS[i]);
  return NULL;
}

/* Trims leading and trailing ASCII whitespace in place. */
static void trim(char *s) {
  size_t len = strlen(s);
  size_t start = 0;

  while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
                     s[len - 1] == '\n' || s[len - 1] == '\r'))
    s[--len] = '\0';
  while (s[start] == ' ' || s[start] == '\t' || s[start] == '\n' ||
         s[start] == '\r')
    start++;
  if (start > 0)
    memmove(s, s + start, len - start + 1);
}

int sk_tool_from_json(const cJSON *obj, const char *origin,
                      struct sk_tool **out, struct sk_error *err) {
  struct sk_tool *t;
  size_t i;
  int rc = 0;

  *out = NULL;
  if (!cJSON_IsObject(obj))
    return sk_error_set(err, SK_EPARSE, "%s: record is not a JSON object",
                        origin);
  t = calloc(1, sizeof(*t));
  if (t == NULL)
    return sk_error_set(err, SK_ENOMEM, "%s: out of memory", origin);
  t->origin = strdup(origin);
  if (t->origin == NULL) {
    rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", origin);
    goto out;
  }
  for (i = 0; i < NFIELDS; i++) {
    const struct field_spec *f = &FIELDS[i];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, f->name);
    const char *text;
    char what[64];
    char *copy;
    int ctl;
    size_t len;

    if (v == NULL || cJSON_IsNull(v)) {
      if (f->required) {
        rc = sk_error_set(err, SK_EMISSING, "%s: field \"%s\" is missing",
                          origin, f->name);
        goto out;
      }
      continue;
    }
    snprintf(what, sizeof(what), "field \"%s\"", f->name);
    rc = sk_json_str_at(v, origin, what, &text, err);
    if (rc < 0)
      goto out;
    if (rc == 0) {
      rc = sk_error_set(err, SK_EPARSE, "%s: field \"%s\" must be a string",
                        origin, f->name);
      goto out;
    }
    rc = 0;
    len = strlen(text);
    if (!sk_utf8_valid(text, len)) {
      rc = sk_error_set(err, SK_EPARSE, "%s: field \"%s\" is not valid UTF-8",
                        origin, f->name);
      goto out;
    }
    if (len > f->cap) {
      rc = sk_error_set(err, SK_ETOOBIG,
                        "%s: field \"%s\" is %zu bytes; the limit is %zu",
                        origin, f->name, len, f->cap);
      goto out;
    }
    ctl = find_control(text);
    if (ctl != 0) {
      rc = sk_error_set(err, SK_EPARSE,
                        "%s: field \"%s\" contains control character 0x%02x",
                        origin, f->name, ctl);
      goto out;
    }
    copy = strdup(text);
    if (copy == NULL) {
      rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", origin);
      goto out;
    }
    trim(copy);
    *field_slot(t, f) = copy;
    if (copy[0] == '\0') {
      if (f->required) {
        rc = sk_error_set(err, SK_EMISSING, "%s: field \"%s\" is empty", origin,
                          f->name);
        goto out;
      }
      free(copy);
      *field_slot(t, f) = NULL;
    }
  }

  if (t->entry != NULL) {
    /* Entry is a two-valued fact on the page; accept any case, store one. */
    const char *norm = NULL;
    if (strcmp(t->entry, "free") == 0 || strcmp(t->entry, "Free") == 0 ||
        strcmp(t->entry, "FREE") == 0)
      norm = "Free";
    else if (strcmp(t->entry, "paid") == 0 || strcmp(t->entry, "Paid") == 0 ||
             strcmp(t->entry, "PAID") == 0)
      norm = "Paid";
    if (norm == NULL) {
      rc = sk_error_set(err, SK_EPARSE,
                        "%s: field \"entry\" must be \"Free\" or \"Paid\", "
                        "not \"%s\"",
                        origin, t->entry);
      goto out;
    }
    strcpy(t->entry, norm);
  }

  if (t->slug != NULL) {
    const char *file = sk_slug_reserved(t->slug);
    if (!sk_slug_is_safe(t->slug)) {
      rc = sk_error_set(err, SK_EPARSE,
                        "%s: field \"slug\" must be 1-64 characters of a-z, "
                        "0-9 and '-', starting with a letter or digit",
                        origin);
      goto out;
    }
    if (file != NULL) {
      rc = sk_error_set(err, SK_EPARSE,
                        "%s: field \"slug\" is \"%s\", which names a run "
                        "file (%s) in the output folder; choose another slug",
                        origin, t->slug, file);
      goto out;
    }
    t->slug_given = 1;
  } else {
    char slug[SK_TOOL_MAX_SLUG + 1];
    sk_slug_from_name(t->name, slug);
    t->slug = strdup(slug);
    if (t->slug == NULL) {
      rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", origin);
      goto out;
    }
  }
  *out = t;
  t = NULL;
out:
  sk_tool_free(t);
  return rc;
}
