/* fuzz_prompt.c: the fence around untrusted tool text.
 *
 * The input is a tool record (JSON). When the loader accepts it, the card is
 * built and fenced, and the promise of prompt.h is checked: the card never
 * contains its fence, so tool text cannot close the data block. The real
 * prompts and the first persona are then rendered, and the user message must
 * hold the fence exactly as often as user.txt has a {{fence}} placeholder:
 * no tool text, however crafted, adds one.
 */
#include "fuzz.h"
#include "shipskip/model/persona.h"
#include "shipskip/review/prompt.h"

#include <stdlib.h>
#include <string.h>

static struct sk_prompts prompts;
static struct sk_panel_def panel;
static int ready;

static void teardown(void) {
  sk_prompts_cleanup(&prompts);
  sk_panel_def_cleanup(&panel);
}

static void setup(void) {
  char dir[1024];
  struct sk_error err;
  sk_error_clear(&err);
  snprintf(dir, sizeof(dir), "%s/prompts", sk_fuzz_source_dir());
  if (sk_prompts_load(dir, 60, 260, &prompts, &err) != 0)
    sk_fuzz_fail("setup: %s", err.msg);
  snprintf(dir, sizeof(dir), "%s/personas", sk_fuzz_source_dir());
  if (sk_panel_def_load(dir, NULL, &panel, &err) != 0 || panel.n == 0)
    sk_fuzz_fail("setup: %s", err.msg);
  atexit(teardown);
  ready = 1;
}

static size_t count(const char *hay, const char *needle) {
  size_t n = 0;
  const char *p = hay;
  while ((p = strstr(p, needle)) != NULL) {
    n++;
    p++;
  }
  return n;
}

int sk_fuzz_one(const uint8_t *data, size_t size) {
  cJSON *root;
  struct sk_tool *t = NULL;
  struct sk_error err;
  struct sk_buf card;
  struct sk_buf sys;
  struct sk_buf user;
  char fence[27];
  size_t want;
  size_t got;

  if (!ready)
    setup();
  root = cJSON_ParseWithLength((const char *)data, size);
  sk_error_clear(&err);
  if (root == NULL || sk_tool_from_json(root, "fuzz:1", &t, &err) != 0) {
    cJSON_Delete(root);
    return 0;
  }
  cJSON_Delete(root);
  sk_buf_init(&card, SK_PROMPT_MAX);
  sk_buf_init(&sys, SK_PROMPT_MAX);
  sk_buf_init(&user, SK_PROMPT_MAX);
  if (sk_prompt_tool_card(t, &card) == 0) {
    sk_prompt_fence(sk_buf_str(&card), card.len, fence);
    if (strlen(fence) != 26 || strncmp(fence, "TOOL-DATA-", 10) != 0)
      sk_fuzz_fail("malformed fence \"%s\"", fence);
    if (strstr(sk_buf_str(&card), fence) != NULL)
      sk_fuzz_fail("the card contains its own fence %s", fence);
    if (sk_prompt_render(&prompts, t, &panel.personas[0], &sys, &user, &err) ==
        0) {
      want =
          count(prompts.user, "{{fence}}") + count(prompts.user, "{{ fence }}");
      got = count(sk_buf_str(&user), fence);
      if (got != want)
        sk_fuzz_fail("the user message holds %s %zu times, not %zu", fence, got,
                     want);
    }
  }
  sk_buf_cleanup(&card);
  sk_buf_cleanup(&sys);
  sk_buf_cleanup(&user);
  sk_tool_free(t);
  return 0;
}
