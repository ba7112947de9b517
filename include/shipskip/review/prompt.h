/* prompt.h: turns a tool and a persona into the messages sent to a model.
 *
 * Three templates are read from the prompts directory: system.txt (who the
 * reviewer is), user.txt (the tool and the reply contract) and reask.txt (the
 * follow-up after a reply broke the contract). Placeholders:
 *   {{tool.name}}, {{tool.slug}}, {{tool.description}}, {{tool.tagline}},
 *   {{tool.category}}, {{tool.pricing}}, {{tool.entry}}, {{tool.best_for}},
 *   {{tool.url}}      one field; absent is an error
 *   {{tool.card}}     every present field, one per line, description last
 *   {{fence}}         the delimiter around untrusted tool text
 *   {{persona.name}}, {{persona.display_name}}, {{persona.lens}}
 *   {{persona.rubric}}  a "- ask" line per rubric element
 *   {{reply.min_words}}, {{reply.max_words}}
 *   {{errors}}        (reask.txt only) a "- message" line per failure
 *
 * The fence is "TOOL-DATA-" and 16 hex digits of a SHA-256 over the card, and
 * is checked not to occur in the card (the digest is salted again until it
 * does not). Tool text therefore cannot forge the closing line, and the same
 * tool always gets the same fence, so recorded requests replay exactly.
 */
#ifndef SHIPSKIP_PROMPT_H
#define SHIPSKIP_PROMPT_H

#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"
#include "shipskip/model/persona.h"
#include "shipskip/model/tool.h"

#include <stddef.h>

#define SK_PROMPT_MAX (256 * 1024)

struct sk_prompts {
  char *system;
  char *user;
  char *reask;
  char *system_name; /* file names, for messages */
  char *user_name;
  char *reask_name;
  int min_words;
  int max_words;
};

/* Loads the three templates from dir. Returns 0 or SK_ECONFIG naming the
 * missing or unreadable file. Free with sk_prompts_cleanup. */
int sk_prompts_load(const char *dir, int min_words, int max_words,
                    struct sk_prompts *p, struct sk_error *err);

/* One template held in memory (the copy built into the binary). */
struct sk_prompt_text {
  const char *name; /* for messages: "embedded:prompts/system.txt" */
  const char *text;
  size_t len;
};

/* Sets the three templates from memory instead of a directory (the texts
 * and names are copied). Returns 0 or SK_ENOMEM. Free with
 * sk_prompts_cleanup. */
int sk_prompts_set(const struct sk_prompt_text *system,
                   const struct sk_prompt_text *user,
                   const struct sk_prompt_text *reask, int min_words,
                   int max_words, struct sk_prompts *p, struct sk_error *err);

/* Frees the templates. NULL-safe. */
void sk_prompts_cleanup(struct sk_prompts *p);

/* Renders the system and user messages for tool t and persona ps, appending
 * to system and user. Returns 0, or SK_EMISSING / SK_EPARSE naming the
 * template, line and placeholder, or SK_ENOMEM. */
int sk_prompt_render(const struct sk_prompts *p, const struct sk_tool *t,
                     const struct sk_persona *ps, struct sk_buf *system,
                     struct sk_buf *user, struct sk_error *err);

/* Renders the re-ask message listing nerrors failure messages. */
int sk_prompt_render_reask(const struct sk_prompts *p,
                           const struct sk_persona *ps, const char *errors[],
                           size_t nerrors, struct sk_buf *out,
                           struct sk_error *err);

/* Writes the tool card (the fenced text) to out. */
int sk_prompt_tool_card(const struct sk_tool *t, struct sk_buf *out);

/* Computes the fence for a card into fence[27]. */
void sk_prompt_fence(const char *card, size_t len, char fence[27]);

#endif
