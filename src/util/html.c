/* html.c: HTML escaping, the link rule and the self-contained page frame
 * with its inline style sheet (see html.h). Every published page goes
 * through here, so this file is where the escaping promises are kept: text
 * is escaped by one function, links are made by one function, and the frame
 * forbids scripts and outside requests by policy as well as by
 * construction. */
#include "shipskip/util/html.h"
#include "shipskip/util/error.h"
#include "shipskip/util/unicode.h"

#include <string.h>

/* Appends while nothing has failed, so the first error is the one returned.
 */
static int escape_bytes(struct sk_buf *out, const char *s) {
  const char *p;
  const char *run;
  int rc = 0;

  if (s == NULL)
    return 0;
  /* Copy runs of ordinary bytes in one call; stop at the bytes that need a
   * reference or must be dropped. UTF-8 sequences pass through whole. */
  run = s;
  for (p = s; *p != '\0' && rc == 0; p++) {
    unsigned char c = (unsigned char)*p;
    const char *rep = NULL;
    int drop = 0;
    switch (c) {
    case '&':
      rep = "&amp;";
      break;
    case '<':
      rep = "&lt;";
      break;
    case '>':
      rep = "&gt;";
      break;
    case '"':
      rep = "&quot;";
      break;
    case '\'':
      rep = "&#39;";
      break;
    default:
      drop = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
      break;
    }
    if (rep == NULL && !drop)
      continue;
    if (p > run)
      rc = sk_buf_add(out, run, (size_t)(p - run));
    if (rc == 0 && rep != NULL)
      rc = sk_buf_adds(out, rep);
    run = p + 1;
  }
  if (rc == 0 && p > run)
    rc = sk_buf_add(out, run, (size_t)(p - run));
  return rc;
}

int sk_html_escape(struct sk_buf *out, const char *s) {
  struct sk_buf shown;
  int rc;

  if (sk_unicode_find(s) == NULL)
    return escape_bytes(out, s);
  /* A bidi control would reorder the page's own text after it, in a title
   * or an attribute as in the body, and no markup can isolate it there: it
   * is shown as "<U+202E>" instead (a character reference would still be
   * obeyed). A shown character grows at most fourfold (2 bytes to "<U+0085>").
   */
  sk_buf_init(&shown, strlen(s) * 4 + 16);
  rc = sk_unicode_neutralize(&shown, s);
  if (rc == 0)
    rc = escape_bytes(out, sk_buf_str(&shown));
  sk_buf_cleanup(&shown);
  return rc;
}

/* Returns the length of url's scheme and "//" when it is http:// or
 * https:// in any mix of case, else 0. */
static size_t http_prefix(const char *url) {
  static const char *const SCHEMES[] = {"https://", "http://"};
  size_t i;

  for (i = 0; i < sizeof(SCHEMES) / sizeof(SCHEMES[0]); i++) {
    size_t n = strlen(SCHEMES[i]);
    size_t k;
    for (k = 0; k < n; k++) {
      char c = url[k];
      if (c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
      if (c != SCHEMES[i][k])
        break;
    }
    if (k == n)
      return n;
  }
  return 0;
}

int sk_html_url_ok(const char *url) {
  const char *p;
  size_t skip;

  if (url == NULL)
    return 0;
  skip = http_prefix(url);
  if (skip == 0)
    return 0;
  /* A host must follow: "https://" alone, or "https:///x", is no link. */
  if (url[skip] == '\0' || url[skip] == '/' || url[skip] == '?' ||
      url[skip] == '#')
    return 0;
  /* Browsers strip tabs and newlines inside URLs and treat a backslash as a
   * slash; refusing them, spaces and quotes keeps what is shown what is
   * followed. */
  for (p = url; *p != '\0'; p++) {
    unsigned char c = (unsigned char)*p;
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '<' ||
        c == '>' || c == '\\' || c == '`')
      return 0;
  }
  return 1;
}

int sk_html_link(struct sk_buf *out, const char *url, const char *text) {
  int rc;

  if (url == NULL)
    return 0;
  if (text == NULL)
    text = url;
  if (!sk_html_url_ok(url)) {
    rc = sk_buf_adds(out, "<span class=\"url\">");
    if (rc == 0)
      rc = sk_html_escape(out, url);
    if (rc == 0)
      rc = sk_buf_adds(out, "</span>");
    return rc;
  }
  rc = sk_buf_adds(out, "<a class=\"url\" href=\"");
  if (rc == 0)
    rc = sk_html_escape(out, url);
  if (rc == 0)
    rc = sk_buf_adds(out, "\" rel=\"nofollow noopener noreferrer\">");
  if (rc == 0)
    rc = sk_html_escape(out, text);
  if (rc == 0)
    rc = sk_buf_adds(out, "</a>");
  return rc;
}

const char *sk_html_verdict_class(const char *verdict) {
  if (verdict == NULL)
    return "none";
  if (strcmp(verdict, "Ship") == 0 || strcmp(verdict, "ship") == 0)
    return "ship";
  if (strcmp(verdict, "Skip") == 0 || strcmp(verdict, "skip") == 0)
    return "skip";
  if (strcmp(verdict, "Split") == 0 || strcmp(verdict, "split") == 0)
    return "split";
  return "none";
}

int sk_html_badge(struct sk_buf *out, const char *verdict, const char *label) {
  int rc = sk_buf_printf(out, "<span class=\"badge %s\">",
                         sk_html_verdict_class(verdict));
  if (rc == 0)
    rc = sk_html_escape(out, label);
  if (rc == 0)
    rc = sk_buf_adds(out, "</span>");
  return rc;
}

int sk_html_score_bar(struct sk_buf *out, const char *verdict, int score) {
  if (score < 0)
    score = 0;
  if (score > 100)
    score = 100;
  return sk_buf_printf(out,
                       "<div class=\"bar\" aria-hidden=\"true\"><span "
                       "class=\"%s\" style=\"width:%d%%\"></span></div>\n",
                       sk_html_verdict_class(verdict), score);
}

/* The one style sheet, inline in every page, a rule or two per string
 * (C99 promises only 4095-byte literals). Colours are variables so the
 * dark scheme and print only swap values. System fonts only: nothing is
 * fetched. */
static const char *const CSS[] = {
    ":root{color-scheme:light dark;--bg:#f5f6f8;--surface:#fff;--fg:#15171c;"
    "--muted:#596170;--line:#e1e4ea;--accent:#2d58d0;--ship:#116b41;"
    "--ship-bg:#dff3e7;--skip:#a8261a;--skip-bg:#fce8e5;--split:#7f5200;"
    "--split-bg:#fbefd2;--none:#596170;--none-bg:#eceef2;--bar:#2d58d0;"
    "--head:#f8f9fb}\n",
    "@media (prefers-color-scheme:dark){:root{--bg:#0e1014;--surface:#171a20;"
    "--fg:#e8eaef;--muted:#a0a8b6;--line:#2a2f39;--accent:#93b1ff;"
    "--ship:#6fd89c;--ship-bg:#13321f;--skip:#ff9d91;--skip-bg:#3b1815;"
    "--split:#f2c45f;--split-bg:#372a0b;--none:#a0a8b6;--none-bg:#252a34;"
    "--bar:#93b1ff;--head:#1c2028}}\n",
    "*,*::before,*::after{box-sizing:border-box}\n",
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\n",
    "body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.6 "
    "system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,"
    "\"Noto Sans\",sans-serif;overflow-wrap:break-word}\n",
    ".wrap{max-width:1080px;margin:0 auto;padding:0 clamp(16px,4vw,32px)}\n",
    "header.site{background:var(--surface);border-bottom:1px solid "
    "var(--line)}\n",
    "header.site .wrap{display:flex;flex-wrap:wrap;align-items:baseline;"
    "gap:2px 14px;padding-top:14px;padding-bottom:14px}\n",
    ".brand{font-weight:800;font-size:1.25rem;letter-spacing:-.02em;"
    "color:var(--fg);text-decoration:none}\n",
    ".brand span{color:var(--accent)}\n",
    ".strap{color:var(--muted);font-size:.9rem}\n",
    "main.wrap{display:block;padding-top:clamp(20px,4vw,36px);"
    "padding-bottom:40px}\n",
    "a{color:var(--accent);text-underline-offset:2px}\n",
    "h1{font-size:clamp(1.75rem,4.5vw,2.6rem);line-height:1.15;"
    "letter-spacing:-.02em;margin:.15em 0 .25em}\n",
    "h2{font-size:1.3rem;line-height:1.3;margin:2em 0 .75em;"
    "letter-spacing:-.01em}\n",
    "h3{font-size:1.05rem;line-height:1.3;margin:0}\n",
    ".eyebrow{text-transform:uppercase;letter-spacing:.08em;font-size:.75rem;"
    "font-weight:700;color:var(--muted);margin:0}\n",
    ".lede{font-size:1.15rem;color:var(--muted);margin:0 0 1em;"
    "max-width:62ch}\n",
    ".crumbs{font-size:.9rem;color:var(--muted);margin:0 0 1.25em}\n",
    ".badge{display:inline-block;padding:.15em .75em;border-radius:999px;"
    "font-weight:700;font-size:.9rem;white-space:nowrap;"
    "background:var(--none-bg);color:var(--none)}\n",
    ".badge.ship{background:var(--ship-bg);color:var(--ship)}\n",
    ".badge.skip{background:var(--skip-bg);color:var(--skip)}\n",
    ".badge.split{background:var(--split-bg);color:var(--split)}\n",
    ".badge.big{font-size:1.05rem;padding:.3em .95em}\n",
    ".stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(min("
    "100%,150px),1fr));gap:12px;margin:1.25em 0}\n",
    ".stats>div{background:var(--surface);border:1px solid var(--line);"
    "border-radius:12px;padding:12px 16px}\n",
    ".stats dt{font-size:.75rem;color:var(--muted);text-transform:uppercase;"
    "letter-spacing:.06em;font-weight:700}\n",
    ".stats dd{margin:.2em 0 0;font-size:1.45rem;font-weight:700;"
    "line-height:1.25;font-variant-numeric:tabular-nums}\n",
    ".stats dd.text{font-size:1rem;font-weight:600;line-height:1.4}\n",
    ".card{background:var(--surface);border:1px solid var(--line);"
    "border-radius:14px;padding:clamp(16px,3vw,24px)}\n",
    ".about{max-width:75ch}\n",
    ".about,.desc{white-space:pre-line}\n",
    ".table-wrap{overflow-x:auto;background:var(--surface);border:1px solid "
    "var(--line);border-radius:14px}\n",
    "table{border-collapse:collapse;width:100%;font-size:.95rem}\n",
    "caption{text-align:left;font-weight:700;font-size:1rem;"
    "padding:14px 16px 10px}\n",
    "th,td{text-align:left;vertical-align:top;padding:10px 16px;"
    "border-top:1px solid var(--line)}\n",
    "td{overflow-wrap:break-word}\n",
    "thead th{font-size:.75rem;text-transform:uppercase;letter-spacing:.06em;"
    "color:var(--muted);background:var(--head);white-space:nowrap}\n",
    "tbody th{font-weight:600;min-width:9em}\n",
    /* A column headed by a tool's name wraps it: a long submitted name must
     * not push the columns after it out of the table's box. */
    "thead th.name{white-space:normal;overflow-wrap:anywhere}\n",
    /* Index cells hold submitted words (a category) that may be long. */
    ".index td{overflow-wrap:anywhere}\n",
    "tbody th a{font-weight:700;text-decoration:none}\n",
    "tbody th a:hover,tbody th a:focus{text-decoration:underline}\n",
    ".num{text-align:right;font-variant-numeric:tabular-nums}\n",
    "td.num{white-space:nowrap}\n",
    "thead th a{color:inherit;text-decoration:none}\n",
    "thead th a:hover,thead th a:focus{text-decoration:underline}\n",
    "th[aria-sort] a{color:var(--fg)}\n",
    "th[aria-sort] a::after{content:\" \\2193\"}\n",
    ".sub{display:block;color:var(--muted);font-size:.875rem;"
    "font-weight:400;margin-top:2px}\n",
    ".verdict{display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px;"
    "margin:0 0 .5em}\n",
    ".reviews{display:grid;gap:16px}\n",
    ".review{background:var(--surface);border:1px solid var(--line);"
    "border-radius:14px;padding:clamp(16px,3vw,22px)}\n",
    ".review>header{display:flex;flex-wrap:wrap;justify-content:"
    "space-between;align-items:center;gap:6px 12px}\n",
    ".review p{margin:.75em 0 0}\n",
    /* Submitted text may hold very long words; it wraps anywhere rather
     * than widen the page on a phone. */
    "h1,h2,h3,.who,.lede,.review p,.review li,.about,.desc,.sub,dd{"
    "overflow-wrap:anywhere}\n",
    ".reviews>*,.pair>*,.review>header>*{min-width:0}\n",
    ".review ul{margin:.5em 0 0;padding-left:1.2em}\n",
    ".score{font-variant-numeric:tabular-nums;font-weight:700}\n",
    "div.bar{height:6px;background:var(--line);border-radius:3px;"
    "margin:12px 0 0;overflow:hidden}\n",
    "div.bar span{display:block;height:100%;background:var(--bar);"
    "border-radius:3px}\n",
    "div.bar span.ship{background:var(--ship)}\n",
    "div.bar span.skip{background:var(--skip)}\n",
    /* The SVG charts (svgchart.h): the scheme's colours, a figure that
     * scales to its column. */
    "svg.chart{display:block;width:100%;height:auto;max-width:600px}\n",
    "svg.chart .bar.ship{fill:var(--ship)}\n",
    "svg.chart .bar.skip{fill:var(--skip)}\n",
    "svg.chart .bar.split{fill:var(--split)}\n",
    "svg.chart .bin,svg.chart .bar.accent{fill:var(--accent)}\n",
    "figure{margin:1.2em 0}\nfigcaption{color:var(--muted);"
    "font-size:.9rem}\n",
    ".failed{color:var(--skip);font-weight:600}\n",
    ".review p.coverage{color:var(--muted);font-size:.9rem}\n",
    ".absent{color:var(--muted);font-style:italic}\n",
    ".pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(min("
    "100%,400px),1fr));gap:16px}\n",
    ".persona{margin:28px 0}\n",
    ".persona>h3{font-size:1.1rem;margin:0 0 10px}\n",
    ".persona>h3 .quiet{font-weight:400}\n",
    ".review .who{font-weight:700}\n",
    ".read{border-left:4px solid var(--accent);background:var(--surface);"
    "padding:14px 18px;border-radius:0 12px 12px 0;font-size:1.1rem;"
    "font-weight:600;margin:1.25em 0;max-width:75ch}\n",
    ".read .eyebrow{display:block;margin-bottom:.25em}\n",
    ".tool-sum h2{margin:.2em 0 .15em;font-size:1.5rem}\n",
    ".tool-sum h2 a{color:inherit;text-decoration:none}\n",
    ".tool-sum .lede{font-size:1rem}\n",
    ".tool-sum .stats{margin:1em 0}\n",
    ".tool-sum p.desc{margin:0;color:var(--fg)}\n",
    ".split-list{padding-left:1.2em}\n",
    ".quiet{color:var(--muted);font-size:.875rem}\n",
    ".url{overflow-wrap:anywhere}\n",
    "footer.page{margin-top:2.5em;padding-top:1em;border-top:1px solid "
    "var(--line)}\n",
    "footer.page p{margin:.25em 0}\n",
    "footer.site{border-top:1px solid var(--line);color:var(--muted);"
    "font-size:.85rem;padding:20px 0 36px}\n",
    "ul.plain{list-style:none;padding:0;margin:0}\n",
    "ul.plain li{padding:10px 0;border-top:1px solid var(--line)}\n",
    "ul.plain li:first-child{border-top:0}\n",
    /* The tool cell wraps: its tagline once kept the whole row on one line
     * and pushed the Mean score and Community columns out of a 1280 px
     * window. The name itself still stays whole where it fits. */
    "tbody th a{overflow-wrap:anywhere}\n",
    "@media (max-width:600px){th,td{padding:8px}caption{padding:12px 8px 8px}"
    "thead th{white-space:normal}tbody th{min-width:0}"
    ".index tbody th{min-width:7.5em}.hide-sm{display:none}}\n",
    "@media print{:root{--bg:#fff;--surface:#fff;--fg:#000;--muted:#444;"
    "--line:#bbb;--accent:#000;--head:#fff;--bar:#555;--ship:#000;"
    "--ship-bg:#fff;--skip:#000;--skip-bg:#fff;--split:#000;--split-bg:#fff;"
    "--none:#000;--none-bg:#fff}body{font-size:11pt;line-height:1.45}"
    ".badge{border:1px solid #000}.strap,footer.site{display:none}"
    "header.site{border:0}.table-wrap{overflow:visible;border:0}"
    ".review,.card,.stats>div,tr,.read{break-inside:avoid}"
    "h2,h3{break-after:avoid}a{text-decoration:none}"
    "a.url::after{content:\" (\" attr(href) \")\"}"
    ".pair{grid-template-columns:1fr 1fr}}\n",
};

int sk_html_page_begin(struct sk_buf *out, const struct sk_html_page *p) {
  size_t i;
  int rc = 0;

  SK_BUF_TRY(rc, sk_buf_adds(
                     out,
                     "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                     "<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, "
                     "initial-scale=1\">\n"
                     "<meta name=\"color-scheme\" content=\"light dark\">\n"
                     /* Nothing but the inline style may load or run. */
                     "<meta http-equiv=\"Content-Security-Policy\" "
                     "content=\"default-src 'none'; style-src 'unsafe-inline'; "
                     "base-uri 'none'; form-action 'none'\">\n"
                     "<meta name=\"referrer\" content=\"no-referrer\">\n"
                     "<meta name=\"generator\" content=\"shipskip\">\n"
                     "<title>"));
  SK_BUF_TRY(rc, sk_html_escape(out, p->title));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</title>\n"));
  if (p->description != NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<meta name=\"description\" content=\""));
    SK_BUF_TRY(rc, sk_html_escape(out, p->description));
    SK_BUF_TRY(rc, sk_buf_adds(out, "\">\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "<style>\n"));
  for (i = 0; i < sizeof(CSS) / sizeof(CSS[0]); i++)
    SK_BUF_TRY(rc, sk_buf_adds(out, CSS[i]));
  SK_BUF_TRY(rc,
             sk_buf_adds(out, "</style>\n</head>\n<body>\n"
                              "<header class=\"site\"><div class=\"wrap\">"));
  if (p->home_href != NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<a class=\"brand\" href=\""));
    SK_BUF_TRY(rc, sk_html_escape(out, p->home_href));
    SK_BUF_TRY(rc, sk_buf_adds(out, "\">ship<span>skip</span></a>"));
  } else {
    SK_BUF_TRY(rc,
               sk_buf_adds(out, "<span class=\"brand\">ship<span>skip</span>"
                                "</span>"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "<span class=\"strap\">Panel reviews of new "
                                  "software tools</span></div></header>\n"
                                  "<main class=\"wrap\">\n"));
  return rc;
}

int sk_html_page_end(struct sk_buf *out) {
  return sk_buf_adds(
      out, "</main>\n<footer class=\"site\"><div class=\"wrap\">Written by "
           "shipskip: every review comes from an LLM reviewer persona, "
           "checked against its rubric. A static page: no scripts, no "
           "tracking, nothing loaded from elsewhere.</div></footer>\n"
           "</body>\n</html>\n");
}
