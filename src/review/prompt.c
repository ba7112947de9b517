/* prompt.c: rendering the system, user and re-ask messages (see prompt.h). */
#include "shipskip/review/prompt.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/sha256.h"
#include "shipskip/util/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sk_prompts_cleanup(struct sk_prompts *p) {
  if (p == NULL)
    return;
  free(p->system);
  free(p->user);
  free(p->reask);
  free(p->system_name);
  free(p->user_name);
  free(p->reask_name);
  memset(p, 0, sizeof(*p));
}

static int load_one(const char *dir, const char *file, char **text, char **name,
                    struct sk_error *err) {
  char path[4096];
  size_t len;
  int rc;

  rc = sk_path_join(path, sizeof(path), dir, file, err);
  if (rc != 0)
    return rc;
  *name = strdup(path);
  if (*name == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  rc = sk_fs_read_file(path, SK_PROMPT_MAX, text, &len, err);
  if (rc != 0) {
    if (err != NULL)
      err->code = SK_ECONFIG;
    return SK_ECONFIG;
  }
  return 0;
}

int sk_prompts_load(const char *dir, int min_words, int max_words,
                    struct sk_prompts *p, struct sk_error *err) {
  int rc;

  memset(p, 0, sizeof(*p));
  p->min_words = min_words;
  p->max_words = max_words;
  if ((rc = load_one(dir, "system.txt", &p->system, &p->system_name, err)) ||
      (rc = load_one(dir, "user.txt", &p->user, &p->user_name, err)) ||
      (rc = load_one(dir, "reask.txt", &p->reask, &p->reask_name, err)))
    sk_prompts_cleanup(p);
  return rc;
}

/* Copies one template and its name, for sk_prompts_set(). */
static int set_one(const struct sk_prompt_text *t, char **text, char **name,
                   struct sk_error *err) {
  *text = malloc(t->len + 1);
  *name = strdup(t->name);
  if (*text == NULL || *name == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  memcpy(*text, t->text, t->len);
  (*text)[t->len] = '\0';
  return 0;
}

int sk_prompts_set(const struct sk_prompt_text *system,
                   const struct sk_prompt_text *user,
                   const struct sk_prompt_text *reask, int min_words,
                   int max_words, struct sk_prompts *p, struct sk_error *err) {
  int rc;

  memset(p, 0, sizeof(*p));
  p->min_words = min_words;
  p->max_words = max_words;
  if ((rc = set_one(system, &p->system, &p->system_name, err)) ||
      (rc = set_one(user, &p->user, &p->user_name, err)) ||
      (rc = set_one(reask, &p->reask, &p->reask_name, err)))
    sk_prompts_cleanup(p);
  return rc;
}

/* The card's lines, in page order; the description comes last because it is
 * the longest and may span lines. */
static const struct {
  const char *field;
  const char *label;
} CARD[] = {
    {"name", "Name"},         {"tagline", "Tagline"},
    {"category", "Category"}, {"pricing", "Pricing"},
    {"entry", "Entry"},       {"best_for", "Best for"},
    {"url", "URL"},           {"description", "Description"},
};

int sk_prompt_tool_card(const struct sk_tool *t, struct sk_buf *out) {
  size_t i;
  int rc = 0;

  for (i = 0; i < sizeof(CARD) / sizeof(CARD[0]) && rc == 0; i++) {
    const char *v = sk_tool_field(t, CARD[i].field);
    /* Appends, not a printf: every prompt has a card. */
    if (v == NULL)
      continue;
    SK_BUF_TRY(rc, sk_buf_adds(out, CARD[i].label));
    SK_BUF_TRY(rc, sk_buf_add(out, ": ", 2));
    SK_BUF_TRY(rc, sk_buf_adds(out, v));
    SK_BUF_TRY(rc, sk_buf_add(out, "\n", 1));
  }
  return rc;
}

void sk_prompt_fence(const char *card, size_t len, char fence[27]) {
  unsigned salt;

  for (salt = 0;; salt++) {
    struct sk_sha256 s;
    unsigned char d[32];
    static const char digits[] = "0123456789abcdef";
    int i;
    char tag[4];

    sk_sha256_init(&s);
    tag[0] = (char)(salt & 0xff);
    tag[1] = (char)((salt >> 8) & 0xff);
    tag[2] = (char)((salt >> 16) & 0xff);
    tag[3] = (char)((salt >> 24) & 0xff);
    sk_sha256_update(&s, "shipskip-fence", 14);
    sk_sha256_update(&s, tag, 4);
    sk_sha256_update(&s, card, len);
    sk_sha256_final(&s, d);
    memcpy(fence, "TOOL-DATA-", 10);
    for (i = 0; i < 8; i++) {
      fence[10 + 2 * i] = digits[d[i] >> 4];
      fence[11 + 2 * i] = digits[d[i] & 15];
    }
    fence[26] = '\0';
    /* The card would have to contain a digest of itself to forge the fence;
     * check anyway, so the guarantee does not rest on probability. */
    if (strstr(card, fence) == NULL)
      return;
  }
}

struct render_ctx {
  const struct sk_prompts *p;
  const struct sk_tool *tool;
  const struct sk_persona *persona;
  const char *card;
  const char *fence;
  const char **errors;
  size_t nerrors;
};

static int key_is(const char *key, size_t len, const char *want) {
  return strlen(want) == len && memcmp(key, want, len) == 0;
}

static int put(struct sk_buf *out, const char *v) {
  int rc;
  if (v == NULL)
    return 0;
  rc = sk_buf_adds(out, v);
  return rc == 0 ? 1 : rc;
}

static int lookup(void *vctx, const char *key, size_t len, struct sk_buf *out) {
  struct render_ctx *c = vctx;
  int rc;
  size_t i;

  if (len > 5 && memcmp(key, "tool.", 5) == 0 && c->tool != NULL) {
    char field[64];
    if (key_is(key, len, "tool.card"))
      return put(out, c->card);
    /* A longer name is no field: cut, it finds none, as before. */
    len = len - 5 < sizeof(field) ? len - 5 : sizeof(field) - 1;
    memcpy(field, key + 5, len);
    field[len] = '\0';
    return put(out, sk_tool_field(c->tool, field));
  }
  if (key_is(key, len, "fence"))
    return put(out, c->fence);
  if (key_is(key, len, "persona.name"))
    return put(out, c->persona->name);
  if (key_is(key, len, "persona.display_name"))
    return put(out, c->persona->display_name);
  if (key_is(key, len, "persona.lens"))
    return put(out, c->persona->lens);
  if (key_is(key, len, "persona.rubric")) {
    rc = 0;
    for (i = 0; i < c->persona->nrubric; i++) {
      SK_BUF_TRY(rc, sk_buf_adds(out, i ? "\n- " : "- "));
      SK_BUF_TRY(rc, sk_buf_adds(out, c->persona->rubric[i].ask));
    }
    return rc == 0 ? 1 : rc;
  }
  if (key_is(key, len, "reply.min_words")) {
    rc = sk_buf_printf(out, "%d", c->p->min_words);
    return rc == 0 ? 1 : rc;
  }
  if (key_is(key, len, "reply.max_words")) {
    rc = sk_buf_printf(out, "%d", c->p->max_words);
    return rc == 0 ? 1 : rc;
  }
  if (key_is(key, len, "errors") && c->errors != NULL) {
    for (i = 0; i < c->nerrors; i++) {
      rc = sk_buf_printf(out, "%s- %s", i ? "\n" : "", c->errors[i]);
      if (rc != 0)
        return rc;
    }
    return 1;
  }
  return 0;
}

int sk_prompt_render(const struct sk_prompts *p, const struct sk_tool *t,
                     const struct sk_persona *ps, struct sk_buf *system,
                     struct sk_buf *user, struct sk_error *err) {
  struct sk_buf card;
  char fence[27];
  struct render_ctx c;
  int rc;

  sk_buf_init(&card, SK_PROMPT_MAX);
  rc = sk_prompt_tool_card(t, &card);
  if (rc != 0) {
    rc = sk_error_set(err, rc, "%s: tool card: %s", t->origin, sk_strerror(rc));
    goto out;
  }
  sk_prompt_fence(sk_buf_str(&card), card.len, fence);
  memset(&c, 0, sizeof(c));
  c.p = p;
  c.tool = t;
  c.persona = ps;
  c.card = sk_buf_str(&card);
  c.fence = fence;
  rc = sk_template_render(p->system, strlen(p->system), p->system_name, lookup,
                          &c, system, err);
  if (rc == 0)
    rc = sk_template_render(p->user, strlen(p->user), p->user_name, lookup, &c,
                            user, err);
out:
  sk_buf_cleanup(&card);
  return rc;
}

int sk_prompt_render_reask(const struct sk_prompts *p,
                           const struct sk_persona *ps, const char *errors[],
                           size_t nerrors, struct sk_buf *out,
                           struct sk_error *err) {
  struct render_ctx c;

  memset(&c, 0, sizeof(c));
  c.p = p;
  c.persona = ps;
  c.errors = errors;
  c.nerrors = nerrors;
  return sk_template_render(p->reask, strlen(p->reask), p->reask_name, lookup,
                            &c, out, err);
}
