/* batchctl.h: looks at, or cancels, the batches an OUTDIR's book
 * (batchbook.h) holds, outside a run: `shipskip batch status` and
 * `shipskip batch cancel`.
 *
 * Status reads the book and, with refresh, asks the provider for the
 * state of every batch still there (GET only: nothing is changed, not
 * even the book). Cancel asks the provider to cancel every batch still
 * there and writes what it answered into the book, so a later --resume
 * collects what ran and asks the rest again.
 */
#ifndef SHIPSKIP_BATCHCTL_H
#define SHIPSKIP_BATCHCTL_H

#include "shipskip/net/batchbook.h"
#include "shipskip/net/batcher.h"
#include "shipskip/net/http.h"

/* Told of every batch of the book in order: st is the provider's answer
 * (refresh or cancel) or NULL when none was asked; error is why asking
 * failed, or NULL. Valid during the call only. */
typedef void (*sk_batchctl_cb)(void *ctx, const struct sk_bbatch *bb,
                               const struct sk_batch_status *st,
                               const char *error);

/* Runs status (cancel 0; refresh: ask the provider) or cancel (cancel 1)
 * over OUTDIR's book. providers gives each provider's sample request (as
 * for the batcher); a batch of a provider not given is reported with an
 * error. Returns 0 (cb told of each batch), SK_ENOENT when OUTDIR has no
 * book, or another error naming what failed. */
int sk_batchctl_run(const char *outdir,
                    const struct sk_batcher_provider *providers,
                    size_t nproviders, int refresh, int cancel,
                    const struct sk_http_opts *http, sk_batchctl_cb cb,
                    void *ctx, struct sk_error *err);

#endif
