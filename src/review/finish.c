/* finish.c: a tool whose reviews have all ended (see run.h).
 *
 * Its reviews are counted and the failed ones reported; then the panel is
 * handed to opts->on_tool and its scorecard rendered on the loop and
 * written on libuv's thread pool, so the disk never holds up the network.
 * By default the scorecard is a view of the journal (the write-ahead log):
 * written atomically but not fsync'd, made durable with everything else by
 * one sync at the end of the run, and rewritten from the journal by
 * --resume. With --durability strict the journal lines of its reviews are
 * fsync'd first and the files fsync'd each. The tool stays
 * active (in the window, holding the loop open) until it is on disk, then
 * it is freed. A tool cut short by a stop is never written: a scorecard
 * then would be a guess at the panel; its ended reviews are in the journal
 * for --resume.
 */
#include "shipskip/review/run.h"
#include "shipskip/review/journal.h"
#include "shipskip/review/summary.h"
#include "shipskip/util/fsutil.h"

#include <stdlib.h>
#include <string.h>

/* The scorecard of one tool on its way to disk. */
struct card_write {
  uv_work_t req;
  struct sk_engine *e;
  struct sk_tool_run *tr;
  struct sk_panel_result p;
  struct sk_scorecard_files files;
  struct sk_journal *journal; /* fsync'd first when strict (may be NULL) */
  int strict;                 /* --durability strict */
  const char *outdir;
  struct sk_error err;
  int rc;
};

/* Runs off the loop: writes the scorecard, as a view or (strict) after
 * an fsync of the journal lines of its reviews, with its own fsyncs. It
 * touches only w and the files. */
static void write_work_cb(uv_work_t *req) {
  struct card_write *w = sk_container_of(req, struct card_write, req);
  const struct sk_scorecard_files *f = &w->files;
  if (w->strict) {
    if (w->journal != NULL)
      w->rc = sk_journal_sync(w->journal, &w->err);
    if (w->rc == 0)
      w->rc = sk_scorecard_files_write(w->outdir, f, &w->err);
    return;
  }
  w->rc = sk_fs_write_view(w->outdir, f->json_name, f->json.data, f->json.len,
                           &w->err);
  if (w->rc == 0)
    w->rc =
        sk_fs_write_view(w->outdir, f->md_name, f->md.data, f->md.len, &w->err);
}

/* The tool is done with: out of the window, freed. */
static void drop_tool(struct sk_engine *e, struct sk_tool_run *tr) {
  e->active_tools--;
  sk_tool_run_free(tr);
}

/* Counts a tool that ended whole (written, or handed over with no
 * outdir) and adds it to the summary. */
static void count_tool(struct sk_engine *e, struct sk_tool_run *tr,
                       int complete) {
  if (complete)
    e->st->tools_ok++;
  else
    e->st->tools_failed++;
  if (e->o->summary != NULL &&
      sk_summary_add(e->o->summary, tr->tool, tr->reviews, tr->n) != 0)
    /* Out of memory, or summary rows that cannot be spilled (named). */
    sk_engine_fail(
        e, e->o->summary->err.code ? e->o->summary->err.code : SK_ENOMEM,
        e->o->summary->err.code ? e->o->summary->err.msg : "out of memory");
  else if (e->o->summary != NULL) {
    /* The community's verdict and the editors' changes beside the
     * panel's (panelstats.h). */
    const struct sk_vote *v =
        e->o->votes != NULL ? sk_votes_find(e->o->votes, tr->tool->slug) : NULL;
    sk_panelstats_add_humans(&e->o->summary->panel, tr->reviews, tr->n,
                             v != NULL ? v->ship : 0, v != NULL ? v->skip : 0,
                             tr->history);
  }
}

/* Back on the loop: counts the written tool and frees it and w. */
static void tool_written(struct card_write *w) {
  struct sk_engine *e = w->e;
  struct sk_tool_run *tr = w->tr;
  if (w->rc != 0) {
    e->st->tools_unwritten++;
    sk_engine_say(e, SK_EVENT_WARNING, tr->tool->slug, NULL,
                  "%s: cannot write scorecard: %s", tr->tool->slug, w->err.msg);
    /* An output directory that cannot take one scorecard will not take the
     * next: stop starting work rather than spend on reviews that are lost. */
    sk_engine_fail(e, w->rc, w->err.msg);
  } else {
    struct sk_event ev;
    count_tool(e, tr, w->p.complete);
    memset(&ev, 0, sizeof(ev));
    ev.kind = SK_EVENT_TOOL_WRITTEN;
    ev.slug = tr->tool->slug;
    ev.origin = tr->tool->origin;
    ev.label = w->p.label;
    ev.flag = w->p.complete;
    sk_engine_emit(e, &ev);
  }
  drop_tool(e, tr);
  sk_scorecard_files_cleanup(&w->files);
  free(w);
}

static void write_done_cb(uv_work_t *req, int status) {
  struct card_write *w = sk_container_of(req, struct card_write, req);
  struct sk_engine *e = w->e;
  (void)status; /* never canceled */
  tool_written(w);
  /* A slot in the window opened. */
  sk_engine_pump(e);
}

/* Counts the tool's reviews and reports each failed one (once: after the
 * run failed, its echoes are not news). */
static void count_reviews(struct sk_engine *e, struct sk_tool_run *tr) {
  size_t i;
  for (i = 0; i < tr->n; i++) {
    struct sk_review *r = &tr->reviews[i];
    if (r->status == SK_REVIEW_OK) {
      e->st->reviews_ok++;
      continue;
    }
    if (r->status == SK_REVIEW_PENDING)
      continue; /* never ended (the run stopped): not a failure */
    e->st->reviews_failed++;
    if (e->fatal_err.code != 0)
      continue;
    sk_engine_say(
        e, SK_EVENT_WARNING, tr->tool->slug, r->persona->name,
        "%s: %s: %s review failed after %d attempt%s, %d retr%s: %s%s",
        tr->tool->origin, tr->tool->slug, r->persona->name, r->attempts,
        r->attempts == 1 ? "" : "s", r->retries, r->retries == 1 ? "y" : "ies",
        r->nerrors > 0 ? r->errors[0] : "unknown error",
        r->nerrors > 1 ? " (and more; see the scorecard)" : "");
  }
}

static int cut_short(const struct sk_engine *e, const struct sk_tool_run *tr) {
  size_t i;
  if (e->state >= SK_ENGINE_ABORTING)
    return 1;
  for (i = 0; i < tr->n; i++)
    if (tr->runs[i].state == SK_RUN_ABANDONED)
      return 1;
  return 0;
}

/* Renders the scorecard and queues its write; the tool is freed once it is
 * on disk (tool_written). */
static void write_tool(struct sk_engine *e, struct sk_tool_run *tr,
                       const struct sk_panel_result *p,
                       const struct sk_scorecard_meta *meta) {
  struct card_write *w = calloc(1, sizeof(*w));
  if (w == NULL) {
    e->st->tools_unwritten++;
    sk_engine_say(e, SK_EVENT_WARNING, tr->tool->slug, NULL,
                  "%s: cannot write scorecard: out of memory", tr->tool->slug);
    sk_engine_fail(e, SK_ENOMEM, "out of memory");
    drop_tool(e, tr);
    return;
  }
  w->e = e;
  w->tr = tr;
  w->p = *p;
  w->journal = e->o->journal;
  w->strict = e->o->durability == SK_DURABILITY_STRICT;
  w->outdir = e->o->outdir;
  sk_error_clear(&w->err);
  sk_scorecard_files_init(&w->files);
  w->rc = sk_scorecard_render(tr->tool, tr->reviews, tr->n, meta, &w->files,
                              &w->err);
  if (w->rc != 0 ||
      uv_queue_work(&e->loop, &w->req, write_work_cb, write_done_cb) != 0) {
    if (w->rc == 0)
      write_work_cb(&w->req);
    tool_written(w);
  }
}

void sk_finish_tool(struct sk_engine *e, struct sk_tool_run *tr) {
  struct sk_panel_result p;
  struct sk_scorecard_meta meta;

  count_reviews(e, tr);
  sk_scorecard_merge(tr->reviews, tr->n, &p);
  if (cut_short(e, tr)) {
    e->st->tools_unfinished++;
    drop_tool(e, tr);
    return;
  }
  meta.community =
      e->o->votes != NULL ? sk_votes_find(e->o->votes, tr->tool->slug) : NULL;
  meta.injection = tr->injection;
  meta.generated_at = e->o->generated_at;
  meta.history = tr->history;
  meta.source = e->o->source;
  if (e->o->on_tool != NULL)
    e->o->on_tool(e->o->on_tool_ctx, tr->tool, tr->reviews, tr->n, &meta);
  if (e->o->outdir == NULL) {
    /* An in-memory run: the panel was handed over; nothing goes to disk. */
    count_tool(e, tr, p.complete);
    drop_tool(e, tr);
    return;
  }
  write_tool(e, tr, &p, &meta);
}
