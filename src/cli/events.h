/* events.h: the CLI's renderer of the review engine's events (event.h).
 *
 * What the user sees of a run: the "shipskip: ..." lines on stderr, the
 * progress line redrawn in place (on a terminal, or when asked), and the
 * --log-json machine log, one JSON object per line. The engine only emits
 * events; this is the one place that turns them into text.
 */
#ifndef SHIPSKIP_CLI_EVENTS_H
#define SHIPSKIP_CLI_EVENTS_H

#include "shipskip/review/event.h"

#include <stdio.h>

struct sk_events {
  FILE *text;    /* where messages and the progress line go (stderr) */
  FILE *log;     /* --log-json destination, or NULL */
  int progress;  /* draw the progress line on ticks */
  int drawn;     /* a progress line is on screen */
  int log_errno; /* errno of the first failed log write (then no more are
                    tried), 0 while every line got through */
};

/* Sets r up: messages and progress on text, the JSON log on log (NULL for
 * none), the progress line drawn when progress is non-zero. The FILEs stay
 * the caller's. */
void sk_events_init(struct sk_events *r, FILE *text, FILE *log, int progress);

/* The engine's on_event callback: ctx is a struct sk_events. A log line
 * that cannot be written sets r->log_errno; the caller reports it. */
void sk_events_cb(void *ctx, const struct sk_event *ev);

#endif
