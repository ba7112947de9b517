/* schema.h: the reply schema of a persona, for structured output.
 *
 * A JSON Schema object made from the persona file alone, so a new persona
 * gets its own schema:
 *
 *   {"type": "object",
 *    "properties": {
 *      "score":    {"type": "integer", "minimum": 0, "maximum": 100, ...},
 *      "verdict":  {"type": "string", "enum": ["ship", "skip"], ...},
 *      "review":   {"type": "string", ...},
 *      "evidence": {"type": "object",
 *                   "properties": {"<element name>": {"type": "string",
 *                     "description": "the exact words of your review that
 *                                     cover <ask>"}, ...},
 *                   "required": [every element], "additionalProperties":
 *                   false}},
 *    "required": ["score", "verdict", "review", "evidence"],
 *    "additionalProperties": false}
 *
 * It is in the form OpenAI's strict mode demands (every property required,
 * additionalProperties false at every level); providers translate it to
 * their own subsets (providers/provider.h). A persona with no rubric has no
 * "evidence". The reply filling it is read and checked by the validator
 * like any JSON reply (review/validate.h), evidence included.
 */
#ifndef SHIPSKIP_SCHEMA_H
#define SHIPSKIP_SCHEMA_H

#include "shipskip/model/persona.h"

#include <cJSON.h>

/* The schema's name where an API wants one (OpenAI's json_schema.name,
 * Anthropic's tool name): letters, digits and _. */
#define SK_SCHEMA_NAME "shipskip_review"

/* Builds the reply schema of persona p into *out (free with cJSON_Delete).
 * Returns 0 or SK_ENOMEM (*out NULL). */
int sk_schema_build(const struct sk_persona *p, cJSON **out);

#endif
