/* slugs_claim.c: a helper of test_debian_slugs.py. Reads tool names, one a
 * line, from the file named on the command line, builds each as a tool
 * record (so the slug is derived exactly as for a submission) and claims
 * its slug as a batch does. Prints "names N kept K lost L (S with a digest
 * suffix)" and every name
 * that lost its tool; exits 0 when none did, 1 when one did, 2 on error. */
#include "shipskip/model/tool.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Builds and claims one name; returns 1 kept, 0 lost, -1 on error, and
 * counts in *suffixed a slug made distinct with a digest. */
static int claim_one(struct sk_strmap *taken, const char *name, long line,
                     long *suffixed) {
  cJSON *obj = cJSON_CreateObject();
  struct sk_tool *t = NULL;
  struct sk_error err;
  char origin[64];
  int rc = -1;

  snprintf(origin, sizeof(origin), "names:%ld", line);
  sk_error_clear(&err);
  if (obj != NULL && cJSON_AddStringToObject(obj, "name", name) != NULL &&
      cJSON_AddStringToObject(obj, "description", "d") != NULL &&
      sk_tool_from_json(obj, origin, &t, &err) == 0)
    rc = sk_slug_claim(taken, t, &err);
  if (rc == 1) {
    char derived[SK_TOOL_MAX_SLUG + 1];
    sk_slug_from_name(name, derived);
    *suffixed += strcmp(derived, t->slug) != 0;
  }
  if (rc <= 0)
    fprintf(stderr, "%s: %s\n", name, err.msg);
  sk_tool_free(t);
  cJSON_Delete(obj);
  return rc < 0 ? -1 : rc;
}

int main(int argc, char **argv) {
  struct sk_strmap taken;
  char line[512];
  long n = 0;
  long kept = 0;
  long suffixed = 0;
  int bad = 0;
  FILE *f;

  if (argc != 2 || (f = fopen(argv[1], "r")) == NULL) {
    fprintf(stderr, "usage: slugs_claim NAMES-FILE\n");
    return 2;
  }
  sk_strmap_init(&taken);
  while (fgets(line, sizeof(line), f) != NULL) {
    int rc;
    line[strcspn(line, "\n")] = '\0';
    n++;
    rc = claim_one(&taken, line, n, &suffixed);
    if (rc < 0)
      bad = 1;
    kept += rc == 1;
  }
  fclose(f);
  sk_strmap_cleanup(&taken, free);
  printf("names %ld kept %ld lost %ld (%ld with a digest suffix)\n", n, kept,
         n - kept, suffixed);
  return bad ? 2 : kept == n ? 0 : 1;
}
