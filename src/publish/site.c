/* site.c: the static site — index pages in three orders, index.csv, a page
 * per tool and a page per requested comparison — built from the scorecards
 * of a directory (see site.h). Sorting without scripts means writing the
 * index once per order and linking the orders from the column headers. */
#include "shipskip/publish/site.h"
#include "shipskip/util/csv.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/html.h"
#include "shipskip/model/tool.h"
#include "shipskip/publish/toolpage.h"
#include "shipskip/publish/panelpage.h"
#include "shipskip/model/panelstats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends while nothing has failed, so the first error is the one returned.
 */
/* Cap on one page or the CSV in memory. */
#define PAGE_CAP (64u * 1024 * 1024)

/* ---- Pairs ---- */

static int pairs_add(struct sk_site_pairs *p, const char *a, size_t la,
                     const char *b, size_t lb, const char *origin) {
  struct sk_site_pair *v = realloc(p->v, (p->n + 1) * sizeof(*v));
  if (v == NULL)
    return SK_ENOMEM;
  p->v = v;
  v = &p->v[p->n];
  memset(v, 0, sizeof(*v));
  v->a = malloc(la + 1);
  v->b = malloc(lb + 1);
  if (v->a == NULL || v->b == NULL) {
    free(v->a);
    free(v->b);
    return SK_ENOMEM;
  }
  memcpy(v->a, a, la);
  v->a[la] = '\0';
  memcpy(v->b, b, lb);
  v->b[lb] = '\0';
  snprintf(v->origin, sizeof(v->origin), "%s", origin);
  p->n++;
  return 0;
}

int sk_site_pairs_parse(struct sk_site_pairs *p, const char *text, size_t len,
                        const char *name, struct sk_error *err) {
  const char *end = text + len;
  const char *line = text;
  long lineno = 0;

  while (line < end) {
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    const char *stop;
    const char *word[3];
    size_t wlen[3];
    size_t n = 0;
    const char *q;
    char origin[128];

    if (eol == NULL)
      eol = end;
    lineno++;
    stop = memchr(line, '#', (size_t)(eol - line));
    if (stop == NULL)
      stop = eol;
    for (q = line; q < stop;) {
      const char *w;
      while (q < stop && (*q == ' ' || *q == '\t' || *q == '\r'))
        q++;
      if (q == stop)
        break;
      w = q;
      while (q < stop && *q != ' ' && *q != '\t' && *q != '\r')
        q++;
      if (n < 3) {
        word[n] = w;
        wlen[n] = (size_t)(q - w);
      }
      n++;
    }
    if (n != 0 && n != 2)
      return sk_error_set(err, SK_EPARSE,
                          "%s:%ld: expected two slugs (\"slugA slugB\"), "
                          "found %zu word%s",
                          name, lineno, n, n == 1 ? "" : "s");
    if (n == 2) {
      snprintf(origin, sizeof(origin), "%.80s:%ld", name, lineno);
      if (pairs_add(p, word[0], wlen[0], word[1], wlen[1], origin) != 0)
        return sk_error_set(err, SK_ENOMEM, "%s: out of memory", name);
    }
    line = eol + 1;
  }
  return 0;
}

int sk_site_pairs_add_arg(struct sk_site_pairs *p, const char *arg,
                          struct sk_error *err) {
  const char *colon = strchr(arg, ':');
  if (colon == NULL || colon == arg || colon[1] == '\0')
    return sk_error_set(err, SK_EINVAL,
                        "--compare takes A:B (two slugs or tool names), not "
                        "\"%.80s\"",
                        arg);
  if (pairs_add(p, arg, (size_t)(colon - arg), colon + 1, strlen(colon + 1),
                "--compare") != 0)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  return 0;
}

void sk_site_pairs_cleanup(struct sk_site_pairs *p) {
  size_t i;
  if (p == NULL)
    return;
  for (i = 0; i < p->n; i++) {
    free(p->v[i].a);
    free(p->v[i].b);
  }
  free(p->v);
  memset(p, 0, sizeof(*p));
}

/* ---- Orders ---- */

static int ascii_casecmp(const char *a, const char *b) {
  for (;; a++, b++) {
    int x = *a >= 'A' && *a <= 'Z' ? *a - 'A' + 'a' : (unsigned char)*a;
    int y = *b >= 'A' && *b <= 'Z' ? *b - 'A' + 'a' : (unsigned char)*b;
    if (x != y || x == 0)
      return x - y;
  }
}

static int by_name(const struct sk_scorecard *x, const struct sk_scorecard *y) {
  int c = ascii_casecmp(x->tool->name, y->tool->name);
  return c != 0 ? c : strcmp(x->tool->slug, y->tool->slug);
}

/* Higher first; a panel without accepted reviews sorts after every other. */
static int by_ship(const struct sk_scorecard *x, const struct sk_scorecard *y) {
  if ((x->panel.reviewers > 0) != (y->panel.reviewers > 0))
    return x->panel.reviewers > 0 ? -1 : 1;
  if (x->panel.ship_percent != y->panel.ship_percent)
    return y->panel.ship_percent - x->panel.ship_percent;
  if (x->panel.mean_score != y->panel.mean_score)
    return x->panel.mean_score > y->panel.mean_score ? -1 : 1;
  return by_name(x, y);
}

static int by_score(const struct sk_scorecard *x,
                    const struct sk_scorecard *y) {
  if ((x->panel.reviewers > 0) != (y->panel.reviewers > 0))
    return x->panel.reviewers > 0 ? -1 : 1;
  if (x->panel.mean_score != y->panel.mean_score)
    return x->panel.mean_score > y->panel.mean_score ? -1 : 1;
  if (x->panel.ship_percent != y->panel.ship_percent)
    return y->panel.ship_percent - x->panel.ship_percent;
  return by_name(x, y);
}

static int qs_ship(const void *a, const void *b) {
  return by_ship(*(const struct sk_scorecard *const *)a,
                 *(const struct sk_scorecard *const *)b);
}

static int qs_score(const void *a, const void *b) {
  return by_score(*(const struct sk_scorecard *const *)a,
                  *(const struct sk_scorecard *const *)b);
}

static int qs_name(const void *a, const void *b) {
  return by_name(*(const struct sk_scorecard *const *)a,
                 *(const struct sk_scorecard *const *)b);
}

/* ---- Index ---- */

static const char *const PAGE_OF[] = {"index.html", "by-score.html",
                                      "by-name.html"};

/* A sortable column header: a link to the page in that order, marked as the
 * current order with aria-sort. */
static int sort_header(struct sk_buf *out, enum sk_site_sort current,
                       enum sk_site_sort col, const char *label,
                       const char *cls, const char *dir) {
  int rc = sk_buf_printf(out, "<th scope=\"col\"%s%s%s", cls ? " class=\"" : "",
                         cls ? cls : "", cls ? "\"" : "");
  if (current == col)
    SK_BUF_TRY(rc, sk_buf_printf(out, " aria-sort=\"%s\"", dir));
  SK_BUF_TRY(
      rc, sk_buf_printf(out, "><a href=\"%s\"%s>%s</a></th>", PAGE_OF[col],
                        current == col ? " aria-current=\"page\"" : "", label));
  return rc;
}

static int index_row(struct sk_buf *out, const struct sk_scorecard *c) {
  char pct[64];
  char mean[64];
  char community[64];
  int rc = 0;

  sk_card_percent_text(c, pct, sizeof(pct));
  sk_card_mean_text(c, mean, sizeof(mean));
  sk_card_community_text(c, community, sizeof(community));
  /* The slug is safe by construction (checked when the card was read). */
  SK_BUF_TRY(
      rc, sk_buf_printf(out, "<tr><th scope=\"row\"><a href=\"tools/%s.html\">",
                        c->tool->slug));
  SK_BUF_TRY(rc, sk_html_escape(out, c->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</a>"));
  SK_BUF_TRY(rc, sk_toolpage_flag_marker(out, c));
  if (c->tool->tagline != NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<span class=\"sub hide-sm\">"));
    SK_BUF_TRY(rc, sk_html_escape(out, c->tool->tagline));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</span>"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "</th><td class=\"hide-sm\">"));
  SK_BUF_TRY(rc, sk_html_escape(
                     out, c->tool->category != NULL ? c->tool->category : "—"));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</td><td>"));
  SK_BUF_TRY(rc, sk_html_badge(out, c->panel.verdict,
                               c->panel.verdict != NULL ? c->panel.verdict
                                                        : "No verdict"));
  SK_BUF_TRY(
      rc,
      sk_buf_printf(out, "<span class=\"sub hide-sm\">%d ship / %d skip</span>",
                    c->panel.ships, c->panel.skips));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</td><td class=\"num\">"));
  SK_BUF_TRY(rc, sk_html_escape(out, pct));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</td><td class=\"num\">"));
  SK_BUF_TRY(rc, sk_html_escape(out, mean));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</td><td class=\"hide-sm\">"));
  SK_BUF_TRY(rc, sk_html_escape(out, community));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</td></tr>\n"));
  return rc;
}

int sk_site_index_html(const struct sk_card_set *set, enum sk_site_sort sort,
                       const struct sk_compare *cmps, size_t ncmps,
                       struct sk_buf *out, struct sk_error *err) {
  static const char *const ORDER[] = {"panel ship %", "mean score", "name"};
  struct sk_html_page page;
  struct sk_scorecard **order = NULL;
  size_t i;
  int rc = 0;

  order = calloc(set->n + 1, sizeof(*order));
  if (order == NULL)
    return sk_error_set(err, SK_ENOMEM, "index: out of memory");
  for (i = 0; i < set->n; i++)
    order[i] = set->cards[i];
  if (set->n > 1)
    qsort(order, set->n, sizeof(*order),
          sort == SK_SORT_SHIP    ? qs_ship
          : sort == SK_SORT_SCORE ? qs_score
                                  : qs_name);
  page.title = sort == SK_SORT_SHIP    ? "All tools · shipskip"
               : sort == SK_SORT_SCORE ? "All tools by mean score · shipskip"
                                       : "All tools by name · shipskip";
  page.description = "Panel reviews of new software tools: every tool's "
                     "panel verdict, ship percentage and mean score.";
  page.home_href = sort == SK_SORT_SHIP ? NULL : "index.html";
  SK_BUF_TRY(rc, sk_html_page_begin(out, &page));
  SK_BUF_TRY(rc, sk_buf_printf(
                     out,
                     "<header>\n<p class=\"eyebrow\">Panel reviews</p>\n"
                     "<h1>All tools</h1>\n<p class=\"lede\">%zu tool%s, each "
                     "reviewed by a panel of LLM reviewer personas. Sorted by "
                     "%s; choose a column heading to sort another way.</p>\n"
                     "</header>\n",
                     set->n, set->n == 1 ? "" : "s", ORDER[sort]));
  for (i = 0; i < set->n; i++)
    if (set->cards[i]->source != NULL)
      break;
  if (i < set->n)
    SK_BUF_TRY(rc, sk_toolpage_source_notice(out, set->cards[i]));
  SK_BUF_TRY(rc,
             sk_buf_printf(out,
                           "<div class=\"table-wrap\"><table class=\"index\">\n"
                           "<caption>All tools, "
                           "sorted by %s</caption>\n<thead><tr>",
                           ORDER[sort]));
  SK_BUF_TRY(rc,
             sort_header(out, sort, SK_SORT_NAME, "Tool", NULL, "ascending"));
  SK_BUF_TRY(rc, sk_buf_adds(out,
                             "<th scope=\"col\" class=\"hide-sm\">Category</th>"
                             "<th scope=\"col\">Panel verdict</th>"));
  SK_BUF_TRY(rc, sort_header(out, sort, SK_SORT_SHIP, "Panel ship", "num",
                             "descending"));
  SK_BUF_TRY(rc, sort_header(out, sort, SK_SORT_SCORE, "Mean score", "num",
                             "descending"));
  SK_BUF_TRY(
      rc, sk_buf_adds(out, "<th scope=\"col\" class=\"hide-sm\">Community</th>"
                           "</tr></thead>\n<tbody>\n"));
  for (i = 0; i < set->n; i++)
    SK_BUF_TRY(rc, index_row(out, order[i]));
  if (set->n == 0)
    SK_BUF_TRY(rc, sk_buf_adds(out, "<tr><td colspan=\"6\" class=\"absent\">No "
                                    "scorecards yet.</td></tr>\n"));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</tbody>\n</table></div>\n"));
  if (ncmps > 0) {
    SK_BUF_TRY(rc, sk_buf_adds(out,
                               "<section aria-labelledby=\"comparisons\">\n<h2 "
                               "id=\"comparisons\">Comparisons</h2>\n<ul "
                               "class=\"plain\">\n"));
    for (i = 0; i < ncmps; i++) {
      char name[2 * SK_TOOL_MAX_SLUG + 16];
      sk_compare_page_name(cmps[i].a->tool->slug, cmps[i].b->tool->slug, name,
                           sizeof(name));
      SK_BUF_TRY(rc, sk_buf_printf(out, "<li><a href=\"compare/%s\">", name));
      SK_BUF_TRY(rc, sk_html_escape(out, cmps[i].a->tool->name));
      SK_BUF_TRY(rc, sk_buf_adds(out, " vs "));
      SK_BUF_TRY(rc, sk_html_escape(out, cmps[i].b->tool->name));
      SK_BUF_TRY(rc, sk_buf_adds(out, "</a><span class=\"sub\">"));
      SK_BUF_TRY(rc, sk_html_escape(out, cmps[i].read));
      SK_BUF_TRY(rc, sk_buf_adds(out, "</span></li>\n"));
    }
    SK_BUF_TRY(rc, sk_buf_adds(out, "</ul>\n</section>\n"));
  }
  SK_BUF_TRY(rc,
             sk_buf_adds(out, "<p class=\"quiet\">Also as a spreadsheet: <a "
                              "href=\"index.csv\">index.csv</a>. Can the "
                              "panel be trusted? See the <a "
                              "href=\"panel.html\">panel figures</a>.</p>\n"));
  SK_BUF_TRY(rc, sk_html_page_end(out));
  free(order);
  if (rc != 0)
    return sk_error_set(err, rc, "index: %s", sk_strerror(rc));
  return 0;
}

int sk_site_index_csv(const struct sk_card_set *set, struct sk_buf *out,
                      struct sk_error *err) {
  size_t i;
  int rc = sk_buf_adds(out, "slug,name,category,entry,panel_verdict,ships,"
                            "skips,ship_percent,mean_score,community_ship_"
                            "percent,community_votes,flagged\r\n");

  for (i = 0; i < set->n; i++) {
    const struct sk_scorecard *c = set->cards[i];
    long long votes = c->community.ship + c->community.skip;
    SK_BUF_TRY(rc, sk_csv_field(out, c->tool->slug));
    SK_BUF_TRY(rc, sk_buf_adds(out, ","));
    SK_BUF_TRY(rc, sk_csv_field(out, c->tool->name));
    SK_BUF_TRY(rc, sk_buf_adds(out, ","));
    SK_BUF_TRY(rc, sk_csv_field(out, c->tool->category));
    SK_BUF_TRY(rc, sk_buf_adds(out, ","));
    SK_BUF_TRY(rc, sk_csv_field(out, c->tool->entry));
    SK_BUF_TRY(rc, sk_buf_adds(out, ","));
    SK_BUF_TRY(rc, sk_csv_field(out, c->panel.verdict));
    SK_BUF_TRY(rc,
               sk_buf_printf(out, ",%d,%d,", c->panel.ships, c->panel.skips));
    if (c->panel.reviewers > 0)
      SK_BUF_TRY(rc, sk_buf_printf(out, "%d,%.1f", c->panel.ship_percent,
                                   c->panel.mean_score));
    else
      SK_BUF_TRY(rc, sk_buf_adds(out, ","));
    SK_BUF_TRY(rc, sk_buf_adds(out, ","));
    if (c->has_community && votes > 0)
      SK_BUF_TRY(rc, sk_buf_printf(out, "%d",
                                   sk_votes_percent(c->community.ship,
                                                    c->community.skip)));
    SK_BUF_TRY(rc, sk_buf_adds(out, ","));
    /* No votes is an empty cell, as the ship percent beside it: a 0 would
     * read as a count of votes cast. */
    if (c->has_community && votes > 0)
      SK_BUF_TRY(rc, sk_buf_printf(out, "%lld", votes));
    /* Empty when no detector ran: not scanned is not the same as clean. */
    SK_BUF_TRY(rc, sk_buf_adds(out, !c->scanned  ? ",\r\n"
                                    : c->flagged ? ",yes\r\n"
                                                 : ",no\r\n"));
  }
  if (rc != 0)
    return sk_error_set(err, rc, "index.csv: %s", sk_strerror(rc));
  return 0;
}

/* ---- Building ---- */

static int write_page(const char *dir, const char *name, const struct sk_buf *b,
                      struct sk_error *err) {
  return sk_fs_write_atomic(dir, name, sk_buf_str(b), b->len, err);
}

/* Reads the whole scorecard behind an index summary, with the same votes,
 * into *out. A file that vanished or changed slug since the index was read
 * is reported and counted as bad, and *out is NULL; only running out of
 * memory stops the site. */
static int load_full(const struct sk_scorecard *summary,
                     const struct sk_site_opts *o, struct sk_site_stats *st,
                     struct sk_scorecard **out, struct sk_error *err) {
  struct sk_error e1;
  int rc;

  sk_error_clear(&e1);
  rc = sk_scorecard_load(summary->path, out, NULL, &e1);
  if (rc == 0 && strcmp((*out)->tool->slug, summary->tool->slug) != 0) {
    sk_error_set(&e1, SK_EPARSE,
                 "%s: the slug changed while the site was "
                 "built; skipped",
                 summary->path);
    sk_scorecard_free(*out);
    *out = NULL;
    rc = SK_EPARSE;
  }
  if (rc == SK_ENOMEM)
    return sk_error_set(err, rc, "%s", e1.msg);
  if (rc != 0) {
    *out = NULL;
    if (o->report != NULL)
      o->report(o->ctx, e1.msg);
    st->bad++;
    return 0;
  }
  if (o->votes != NULL)
    sk_card_apply_votes(*out, o->votes);
  return 0;
}

/* panel.html from the figures of every tool page written. */
static int write_panel(const char *dir, struct sk_panelstats *ps,
                       const struct sk_trend *trend, struct sk_buf *b,
                       struct sk_error *err) {
  int rc = sk_panelstats_finish(ps);
  if (rc != 0)
    return sk_error_set(err, rc, "site: out of memory");
  sk_buf_reset(b);
  rc = sk_panelpage_html(ps, trend, "index.html", b, err);
  return rc == 0 ? write_page(dir, "panel.html", b, err) : rc;
}

int sk_site_build(const struct sk_site_opts *o, struct sk_site_stats *st,
                  struct sk_error *err) {
  struct sk_card_set set;
  struct sk_compare *cmps = NULL;
  size_t ncmps = 0;
  size_t npairs = o->pairs != NULL ? o->pairs->n : 0;
  struct sk_page_link *links = NULL;
  char(*hrefs)[2 * SK_TOOL_MAX_SLUG + 32] = NULL;
  struct sk_buf b;
  struct sk_panelstats ps;
  char *tools_dir = NULL;
  char *compare_dir = NULL;
  size_t i;
  size_t j;
  int rc;

  memset(st, 0, sizeof(*st));
  sk_buf_init(&b, PAGE_CAP);
  sk_panelstats_init(&ps);
  /* Summaries for the index; each page reads its scorecard again, so
   * memory follows the number of tools, not the length of their reviews. */
  rc = sk_card_set_load(o->indir, SK_CARD_SUMMARY, &set, &st->bad, o->report,
                        o->ctx, err);
  if (rc != 0)
    return rc;
  for (i = 0; i < set.n; i++)
    sk_card_apply_votes(set.cards[i], o->votes);

  /* Resolve every pair before writing anything. */
  cmps = calloc(npairs + 1, sizeof(*cmps));
  links = calloc(npairs + 1, sizeof(*links));
  hrefs = calloc(npairs + 1, sizeof(*hrefs));
  tools_dir = sk_path_join_dup(o->sitedir, "tools");
  compare_dir = sk_path_join_dup(o->sitedir, "compare");
  if (cmps == NULL || links == NULL || hrefs == NULL || tools_dir == NULL ||
      compare_dir == NULL) {
    rc = sk_error_set(err, SK_ENOMEM, "site: out of memory");
    goto out;
  }
  for (i = 0; i < npairs; i++) {
    const struct sk_site_pair *p = &o->pairs->v[i];
    struct sk_error e1;
    const struct sk_scorecard *a;
    const struct sk_scorecard *b2;
    int dup = 0;

    sk_error_clear(&e1);
    a = sk_card_set_match(&set, p->a, &e1);
    b2 = a != NULL ? sk_card_set_match(&set, p->b, &e1) : NULL;
    if (a == NULL || b2 == NULL) {
      rc = sk_error_set(err, SK_ECONFIG, "%s: %s", p->origin, e1.msg);
      goto out;
    }
    if (a == b2) {
      rc = sk_error_set(err, SK_ECONFIG,
                        "%s: \"%s\" is compared with itself; name two tools",
                        p->origin, a->tool->slug);
      goto out;
    }
    for (j = 0; j < ncmps; j++)
      if (cmps[j].a == a && cmps[j].b == b2)
        dup = 1;
    if (dup)
      continue; /* the same page asked for twice */
    rc = sk_compare_build(a, b2, &cmps[ncmps], err);
    if (rc != 0)
      goto out;
    ncmps++;
  }

  rc = sk_fs_mkdirs(tools_dir, err);
  if (rc == 0 && ncmps > 0)
    rc = sk_fs_mkdirs(compare_dir, err);
  if (rc != 0)
    goto out;

  /* The three orders of the index, and the spreadsheet. */
  for (i = 0; i < 3 && rc == 0; i++) {
    sk_buf_reset(&b);
    rc = sk_site_index_html(&set, (enum sk_site_sort)i, cmps, ncmps, &b, err);
    if (rc == 0)
      rc = write_page(o->sitedir, PAGE_OF[i], &b, err);
  }
  if (rc == 0) {
    sk_buf_reset(&b);
    rc = sk_site_index_csv(&set, &b, err);
  }
  if (rc == 0)
    rc = write_page(o->sitedir, "index.csv", &b, err);

  /* A page per tool, linking the comparisons it is in. */
  for (i = 0; i < set.n && rc == 0; i++) {
    const struct sk_scorecard *c = set.cards[i];
    struct sk_scorecard *full = NULL;
    struct sk_toolpage_opts to;
    char name[SK_TOOL_MAX_SLUG + 8];
    size_t nl = 0;

    rc = load_full(c, o, st, &full, err);
    if (rc != 0 || full == NULL)
      continue;
    if (sk_panelstats_add(&ps, full->tool->slug, full->reviews,
                          full->nreviews) != 0)
      rc = sk_error_set(err, SK_ENOMEM, "site: out of memory");
    else
      sk_panelstats_add_humans(&ps, full->reviews, full->nreviews,
                               full->has_community ? full->community.ship : 0,
                               full->has_community ? full->community.skip : 0,
                               full->history);

    for (j = 0; j < ncmps; j++) {
      const struct sk_scorecard *other = cmps[j].a == c   ? cmps[j].b
                                         : cmps[j].b == c ? cmps[j].a
                                                          : NULL;
      char page[2 * SK_TOOL_MAX_SLUG + 16];
      if (other == NULL)
        continue;
      sk_compare_page_name(cmps[j].a->tool->slug, cmps[j].b->tool->slug, page,
                           sizeof(page));
      snprintf(hrefs[nl], sizeof(hrefs[nl]), "../compare/%s", page);
      links[nl].href = hrefs[nl];
      links[nl].text = other->tool->name;
      nl++;
    }
    to.home_href = "../index.html";
    to.compared = links;
    to.ncompared = nl;
    sk_buf_reset(&b);
    rc = sk_toolpage_html(full, &to, &b, err);
    snprintf(name, sizeof(name), "%s.html", c->tool->slug);
    if (rc == 0)
      rc = write_page(tools_dir, name, &b, err);
    if (rc == 0)
      st->tools++;
    sk_scorecard_free(full);
  }
  if (rc == 0)
    rc = write_panel(o->sitedir, &ps, o->trend, &b, err);

  /* A page per comparison. */
  for (i = 0; i < ncmps && rc == 0; i++) {
    struct sk_compare_opts co;
    struct sk_compare full;
    struct sk_scorecard *fa = NULL;
    struct sk_scorecard *fb = NULL;
    char ha[SK_TOOL_MAX_SLUG + 32];
    char hb[SK_TOOL_MAX_SLUG + 32];
    char name[2 * SK_TOOL_MAX_SLUG + 16];

    rc = load_full(cmps[i].a, o, st, &fa, err);
    if (rc == 0 && fa != NULL)
      rc = load_full(cmps[i].b, o, st, &fb, err);
    if (rc != 0 || fa == NULL || fb == NULL) {
      sk_scorecard_free(fa);
      sk_scorecard_free(fb);
      continue;
    }

    snprintf(ha, sizeof(ha), "../tools/%s.html", cmps[i].a->tool->slug);
    snprintf(hb, sizeof(hb), "../tools/%s.html", cmps[i].b->tool->slug);
    co.home_href = "../index.html";
    co.a_href = ha;
    co.b_href = hb;
    sk_buf_reset(&b);
    rc = sk_compare_build(fa, fb, &full, err);
    if (rc == 0) {
      rc = sk_compare_html(&full, &co, &b, err);
      sk_compare_cleanup(&full);
    }
    sk_compare_page_name(cmps[i].a->tool->slug, cmps[i].b->tool->slug, name,
                         sizeof(name));
    if (rc == 0)
      rc = write_page(compare_dir, name, &b, err);
    if (rc == 0)
      st->comparisons++;
    sk_scorecard_free(fa);
    sk_scorecard_free(fb);
  }
out:
  for (i = 0; i < ncmps; i++)
    sk_compare_cleanup(&cmps[i]);
  free(cmps);
  free(links);
  free(hrefs);
  free(tools_dir);
  free(compare_dir);
  sk_buf_cleanup(&b);
  sk_panelstats_cleanup(&ps);
  sk_card_set_cleanup(&set);
  return rc;
}
