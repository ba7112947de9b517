/* check_replies.c: a small driver over sk_roster_check_replies for
 * scripts/check-seeds.sh, until the CLI has `shipskip personas check
 * --replies DIR` (the same call).
 *
 *   check_replies --personas DIR [--tools DIR] [--rubric POLICY] REPLIES
 *
 * Prints the report on stdout. Exit 0 when every reply was accepted on the
 * first attempt, 1 when some were re-asked or rejected (or a file named no
 * persona of the panel), 2 for a usage or setup error.
 */
#include "shipskip/desk/roster.h"
#include "shipskip/review/validate.h"

#include <stdio.h>
#include <string.h>

static int usage(void) {
  fprintf(stderr, "usage: check_replies --personas DIR [--tools DIR] "
                  "[--rubric strict|default|off] REPLIES\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *personas = NULL;
  const char *tools = NULL;
  const char *replies = NULL;
  struct sk_validate_opts vo;
  struct sk_panel_def panel = {NULL, 0};
  struct sk_roster_replies res;
  struct sk_buf out;
  struct sk_error e;
  size_t i;
  int rc;
  int all = 1;

  memset(&vo, 0, sizeof(vo));
  for (i = 1; i < (size_t)argc; i++) {
    if (strcmp(argv[i], "--personas") == 0 && i + 1 < (size_t)argc)
      personas = argv[++i];
    else if (strcmp(argv[i], "--tools") == 0 && i + 1 < (size_t)argc)
      tools = argv[++i];
    else if (strcmp(argv[i], "--rubric") == 0 && i + 1 < (size_t)argc) {
      if (sk_rubric_policy_parse(argv[++i], &vo.rubric) != 0)
        return usage();
    } else if (argv[i][0] != '-' && replies == NULL)
      replies = argv[i];
    else
      return usage();
  }
  if (personas == NULL || replies == NULL)
    return usage();
  sk_error_clear(&e);
  if (sk_panel_def_load(personas, NULL, &panel, &e) != 0) {
    fprintf(stderr, "check_replies: %s\n", e.msg);
    return 2;
  }
  sk_buf_init(&out, 16u << 20);
  rc = sk_roster_check_replies(&panel, &vo, replies, tools, &out, &res, &e);
  if (rc == 0) {
    fputs(sk_buf_str(&out), stdout);
    for (i = 0; i < res.n; i++)
      if (res.per[i].reasked > 0 || res.per[i].rejected > 0)
        all = 0;
    if (res.unknown > 0 || res.replies == 0)
      all = 0;
  } else {
    fprintf(stderr, "check_replies: %s\n", e.msg);
  }
  sk_roster_replies_cleanup(&res);
  sk_buf_cleanup(&out);
  sk_panel_def_cleanup(&panel);
  if (rc != 0)
    return 2;
  if (fflush(stdout) != 0 || ferror(stdout))
    return 2;
  return all ? 0 : 1;
}
