/* main.c: the shipskip executable. It runs the command line through the
 * command table (src/cli, library sk_cli) and then makes sure standard
 * output really reached its destination: a full disk or a closed pipe is an
 * error, not a silent loss, as in jq. Only this file ends the process.
 *
 * Exit codes: 0 every tool reviewed; 1 some tools failed (the rest written);
 * 2 usage or configuration error; 130/143 stopped by SIGINT/SIGTERM.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  int status = sk_cli_main(argc, argv);
  int last = errno; /* a failed stdout write may have been the last call */
  int e = 0;
  int failed = 0;

  /* Output that did not reach stdout fails a command that succeeded (exit
   * 1: its work was done, its report lost) and keeps any worse status.
   * The reason is the flush's errno, else the one the failed write left
   * (stdio keeps only the error flag). */
  errno = 0;
  if (fflush(stdout) != 0) {
    failed = 1;
    e = errno;
  } else if (ferror(stdout)) {
    failed = 1;
    e = last;
  }
  if (fclose(stdout) != 0 && !failed) {
    failed = 1;
    e = errno;
  }
  if (failed) {
    fprintf(stderr, "shipskip: error writing standard output: %s\n",
            strerror(e != 0 ? e : EIO));
    if (status == SK_EXIT_OK)
      status = SK_EXIT_FAILED;
  }
  return status;
}
