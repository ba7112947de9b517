/* main.c: the shipskip executable. It runs the command line through the
 * command table (src/cli, library sk_cli) and then makes sure standard
 * output really reached its destination: a full disk or a closed pipe is an
 * error, not a silent loss, as in jq. Only this file ends the process.
 *
 * Exit codes: 0 every tool reviewed; 1 some tools failed (the rest written);
 * 2 usage or configuration error; 130/143 stopped by SIGINT/SIGTERM.
 */
#include "cli.h"

#include <stdio.h>

int main(int argc, char **argv) {
  int status = sk_cli_main(argc, argv);

  /* Output that did not reach stdout fails a command that succeeded (exit
   * 1: its work was done, its report lost) and keeps any worse status. */
  if (ferror(stdout) || fclose(stdout) != 0) {
    fprintf(stderr, "shipskip: error writing standard output\n");
    if (status == SK_EXIT_OK)
      status = SK_EXIT_FAILED;
  }
  return status;
}
