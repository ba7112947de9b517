/* pricetable.h: the list prices shipskip ships with, so a run can show
 * what it cost without a "prices" section in the config.
 *
 * USD per million input and output tokens, standard (not batch, not
 * cached) rates for prompts of ordinary length, taken on one date from the
 * sources SK_PRICETABLE_SOURCE names. A cost computed from them is an
 * estimate: the provider's bill is the truth, and a price may have changed
 * since. The config's "prices" always win (model/config.h).
 */
#ifndef SHIPSKIP_PRICETABLE_H
#define SHIPSKIP_PRICETABLE_H

#include <stddef.h>

/* The day the table was taken, and where from. */
#define SK_PRICETABLE_DATE "2026-12-03"
#define SK_PRICETABLE_SOURCE                                                   \
  "Anthropic's pricing page (docs.anthropic.com/en/docs/about-claude/"         \
  "pricing); OpenAI's (platform.openai.com/docs/pricing) and Google's "        \
  "(ai.google.dev/gemini-api/docs/pricing) as quoted by published guides"

struct sk_list_price {
  const char *model; /* the API's model name, as a persona names it */
  double input_per_m;
  double output_per_m;
};

/* Returns the list price of model (an exact name, including dated
 * snapshots the table lists), or NULL when the table has none. */
const struct sk_list_price *sk_pricetable_find(const char *model);

/* The whole table, for listing: *n receives the number of rows. */
const struct sk_list_price *sk_pricetable_rows(size_t *n);

#endif
