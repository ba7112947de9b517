/* pricetable.c: the built-in list prices (see pricetable.h).
 *
 * One row per model name an API accepts, dated snapshots beside their
 * aliases, so a persona that pins "claude-3-5-haiku-20241022" is priced as
 * one that says "claude-3-5-haiku-latest". A model whose list price could
 * not be confirmed from the sources is left out (its cost stays unknown)
 * rather than guessed: OpenAI's o3 (two prices quoted), Gemini 1.5.
 * Update the rows and SK_PRICETABLE_DATE together.
 */
#include "shipskip/model/pricetable.h"

#include <string.h>

static const struct sk_list_price ROWS[] = {
    /* OpenAI, standard tier. */
    {"gpt-4o", 2.50, 10.00},
    {"gpt-4o-2024-11-20", 2.50, 10.00},
    {"gpt-4o-2024-08-06", 2.50, 10.00},
    {"gpt-4o-mini", 0.15, 0.60},
    {"gpt-4o-mini-2024-07-18", 0.15, 0.60},
    {"gpt-4.1", 2.00, 8.00},
    {"gpt-4.1-2025-04-14", 2.00, 8.00},
    {"gpt-4.1-mini", 0.40, 1.60},
    {"gpt-4.1-mini-2025-04-14", 0.40, 1.60},
    {"gpt-4.1-nano", 0.10, 0.40},
    {"gpt-4.1-nano-2025-04-14", 0.10, 0.40},
    {"o3-mini", 1.10, 4.40},
    {"o4-mini", 1.10, 4.40},
    /* Anthropic, base input and output tokens. */
    {"claude-opus-4-1", 15.00, 75.00},
    {"claude-opus-4-0", 15.00, 75.00},
    {"claude-opus-4-20250514", 15.00, 75.00},
    {"claude-sonnet-4-5", 3.00, 15.00},
    {"claude-sonnet-4-5-20250929", 3.00, 15.00},
    {"claude-sonnet-4-0", 3.00, 15.00},
    {"claude-sonnet-4-20250514", 3.00, 15.00},
    {"claude-3-7-sonnet-latest", 3.00, 15.00},
    {"claude-3-7-sonnet-20250219", 3.00, 15.00},
    {"claude-3-5-sonnet-latest", 3.00, 15.00},
    {"claude-3-5-sonnet-20241022", 3.00, 15.00},
    {"claude-3-5-sonnet-20240620", 3.00, 15.00},
    {"claude-haiku-4-5", 1.00, 5.00},
    {"claude-3-5-haiku-latest", 0.80, 4.00},
    {"claude-3-5-haiku-20241022", 0.80, 4.00},
    {"claude-3-haiku-20240307", 0.25, 1.25},
    /* Google Gemini, paid tier, prompts up to 200k tokens. */
    {"gemini-2.5-pro", 1.25, 10.00},
    {"gemini-2.5-flash", 0.30, 2.50},
    {"gemini-2.5-flash-lite", 0.10, 0.40},
    {"gemini-2.0-flash", 0.10, 0.40},
};

const struct sk_list_price *sk_pricetable_find(const char *model) {
  size_t i;
  if (model == NULL)
    return NULL;
  for (i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++)
    if (strcmp(ROWS[i].model, model) == 0)
      return &ROWS[i];
  return NULL;
}

const struct sk_list_price *sk_pricetable_rows(size_t *n) {
  *n = sizeof(ROWS) / sizeof(ROWS[0]);
  return ROWS;
}
