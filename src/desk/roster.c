/* roster.c: listing the panel's personas, checking a persona file's rubric
 * against sample reviews, and measuring the validator on a directory of
 * replies (see roster.h). */
#include "shipskip/desk/roster.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/model/tool.h"
#include "shipskip/review/validate.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define PERSONA_FILE_CAP (256 * 1024)

/* The first sentence of s: up to the first '.', '!' or '?' that ends the
 * text or is followed by white space. Returns its length. */
static size_t first_sentence(const char *s) {
  size_t i;
  for (i = 0; s[i] != '\0'; i++)
    if ((s[i] == '.' || s[i] == '!' || s[i] == '?') &&
        (s[i + 1] == '\0' || s[i + 1] == ' ' || s[i + 1] == '\n' ||
         s[i + 1] == '\t'))
      return i + 1;
  return i;
}

static int list_one(const struct sk_persona *p, struct sk_buf *out) {
  size_t j;
  int rc = 0;
  int over = 0;

  rc |= sk_buf_printf(out, "%s  %s  (order %d, %s)\n", p->name, p->display_name,
                      p->order, p->source != NULL ? p->source : "?");
  rc |= sk_buf_printf(out, "  lens:   %.*s\n", (int)first_sentence(p->lens),
                      p->lens);
  for (j = 0; j < p->nrubric; j++)
    rc |= sk_buf_printf(out, "  %s %s: %s\n", j == 0 ? "rubric:" : "       ",
                        p->rubric[j].name, p->rubric[j].ask);
  rc |= sk_buf_adds(out, "  overrides:");
  if (p->provider != NULL) {
    rc |= sk_buf_printf(out, " provider %s", p->provider);
    over = 1;
  }
  if (p->model != NULL) {
    rc |= sk_buf_printf(out, "%s model %s", over ? "," : "", p->model);
    over = 1;
  }
  if (p->temperature >= 0) {
    rc |= sk_buf_printf(out, "%s temperature %g", over ? "," : "",
                        p->temperature);
    over = 1;
  }
  if (p->max_tokens > 0) {
    rc |=
        sk_buf_printf(out, "%s max_tokens %ld", over ? "," : "", p->max_tokens);
    over = 1;
  }
  if (!over)
    rc |= sk_buf_adds(out, " none (the configuration's or provider's)");
  rc |= sk_buf_adds(out, "\n");
  return rc != 0 ? SK_ENOMEM : 0;
}

int sk_roster_list(const struct sk_panel_def *panel, struct sk_buf *out) {
  size_t i;
  int rc = 0;
  for (i = 0; i < panel->n && rc == 0; i++) {
    if (i > 0)
      rc = sk_buf_adds(out, "\n");
    if (rc == 0)
      rc = list_one(&panel->personas[i], out);
  }
  return rc;
}

/* ---- check ---- */

struct samples {
  char **path;
  size_t n;
  size_t cap;
};

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s);
  size_t k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects dir's *.txt files, recursively, skipping hidden entries and
 * directories named "fail". */
static int collect(const char *dir, struct samples *s, int depth) {
  DIR *d;
  struct dirent *e;
  int rc = 0;

  if (depth > 8)
    return 0;
  d = opendir(dir);
  if (d == NULL)
    return 0;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    struct stat st;
    char *path;
    size_t size;
    if (e->d_name[0] == '.')
      continue;
    size = strlen(dir) + strlen(e->d_name) + 2;
    path = malloc(size);
    if (path == NULL) {
      rc = SK_ENOMEM;
      break;
    }
    snprintf(path, size, "%s/%s", dir, e->d_name);
    if (stat(path, &st) != 0) {
      free(path);
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      if (strcmp(e->d_name, "fail") != 0)
        rc = collect(path, s, depth + 1);
      free(path);
      continue;
    }
    if (!S_ISREG(st.st_mode) || !ends_with(e->d_name, ".txt") ||
        s->n >= SK_ROSTER_MAX_SAMPLES) {
      free(path);
      continue;
    }
    if (s->n == s->cap) {
      size_t ncap = s->cap ? s->cap * 2 : 64;
      char **np = realloc(s->path, ncap * sizeof(*np));
      if (np == NULL) {
        free(path);
        rc = SK_ENOMEM;
        break;
      }
      s->path = np;
      s->cap = ncap;
    }
    s->path[s->n++] = path;
  }
  closedir(d);
  return rc;
}

/* The paragraph of a sample: the text after a "REVIEW:" label (decorated
 * as models decorate it) when the sample is a reply, else all of it. */
static const char *paragraph(const char *text, size_t len, size_t *plen) {
  const char *line = text;
  while (line < text + len) {
    const char *nl = memchr(line, '\n', (size_t)(text + len - line));
    const char *p = line;
    const char *end = nl != NULL ? nl : text + len;
    while (p < end && strchr(" \t>#*_`-", *p) != NULL)
      p++;
    if (end - p >= 6 && strncasecmp(p, "REVIEW", 6) == 0) {
      p += 6;
      while (p < end && strchr(" \t*_`", *p) != NULL)
        p++;
      if (p < end && *p == ':') {
        *plen = (size_t)(text + len - (p + 1));
        return p + 1;
      }
    }
    if (nl == NULL)
      break;
    line = nl + 1;
  }
  *plen = len;
  return text;
}

/* The stem of path's file name ("personas/critic.json" -> "critic"), or -1
 * when it does not end in ".json". */
static int stem_of(const char *path, char *stem, size_t size) {
  const char *slash = strrchr(path, '/');
  const char *base = slash != NULL ? slash + 1 : path;
  size_t n = strlen(base);
  if (n <= 5 || !ends_with(base, ".json") || n - 5 >= size)
    return -1;
  memcpy(stem, base, n - 5);
  stem[n - 5] = '\0';
  return 0;
}

static int run_samples(struct sk_validator *v, const struct sk_persona *p,
                       struct samples *s, struct sk_buf *out,
                       struct sk_roster_stats *st) {
  size_t *count = calloc(p->nrubric + 1, sizeof(*count));
  int *hits = calloc(p->nrubric + 1, sizeof(*hits));
  size_t width = 0;
  size_t i;
  size_t j;
  int rc = 0;

  if (count == NULL || hits == NULL) {
    free(count);
    free(hits);
    return SK_ENOMEM;
  }
  for (i = 0; i < s->n; i++)
    if (strlen(s->path[i]) > width)
      width = strlen(s->path[i]);
  if (width > 72)
    width = 72;
  rc |= sk_buf_printf(out, "\nSamples (%zu): elements hit\n", s->n);
  for (i = 0; i < s->n && rc == 0; i++) {
    char *text = NULL;
    size_t len = 0;
    size_t plen = 0;
    const char *para;
    struct sk_error e;
    int first;
    int n;
    sk_error_clear(&e);
    if (sk_fs_read_file(s->path[i], SK_ROSTER_SAMPLE_CAP, &text, &len, &e) !=
            0 ||
        !sk_utf8_valid(text, len)) {
      rc |= sk_buf_printf(out, "  %-*s  skipped (%s)\n", (int)width, s->path[i],
                          e.code != 0 ? e.msg : "not valid UTF-8");
      st->skipped++;
      free(text);
      continue;
    }
    para = paragraph(text, len, &plen);
    n = sk_validator_rubric_hits(v, 0, para, plen, hits);
    free(text);
    if (n < 0) {
      rc = n;
      break;
    }
    st->samples++;
    if ((size_t)n == p->nrubric)
      st->full++;
    rc |= sk_buf_printf(out, "  %-*s  %d/%zu", (int)width, s->path[i], n,
                        p->nrubric);
    for (j = 0, first = 1; j < p->nrubric; j++) {
      if (hits[j] != 1)
        continue;
      count[j]++;
      rc |= sk_buf_printf(out, "%s%s", first ? "  " : ", ", p->rubric[j].name);
      first = 0;
    }
    rc |= sk_buf_adds(out, "\n");
  }
  if (rc == 0) {
    rc |= sk_buf_printf(out, "\nElements: samples that hit each\n");
    for (j = 0; j < p->nrubric; j++) {
      rc |= sk_buf_printf(out, "  %-28s %zu/%zu%s\n", p->rubric[j].name,
                          count[j], st->samples,
                          count[j] == 0 ? "  <- no sample hits it: the "
                                          "pattern may be too narrow"
                                        : "");
      if (count[j] == 0)
        st->unhit++;
    }
  }
  free(count);
  free(hits);
  return rc != 0 ? (rc == SK_ETOOBIG ? rc : SK_ENOMEM) : 0;
}

int sk_roster_check(const char *path, const char *const *dirs, size_t ndirs,
                    struct sk_buf *out, struct sk_roster_stats *st,
                    struct sk_error *err) {
  struct sk_persona p;
  struct sk_panel_def one;
  struct sk_validator *v = NULL;
  struct sk_validate_opts vo;
  struct samples s = {NULL, 0, 0};
  char stem[256];
  char *text = NULL;
  size_t len = 0;
  size_t i;
  int rc;

  memset(st, 0, sizeof(*st));
  memset(&p, 0, sizeof(p));
  if (stem_of(path, stem, sizeof(stem)) != 0)
    return sk_error_set(err, SK_EINVAL,
                        "%s: a persona file is named NAME.json, NAME being "
                        "the persona's \"name\"",
                        path);
  rc = sk_fs_read_file(path, PERSONA_FILE_CAP, &text, &len, err);
  if (rc == 0)
    rc = sk_persona_parse(text, len, stem, path, &p, err);
  free(text);
  if (rc != 0)
    return rc;
  one.personas = &p;
  one.n = 1;
  memset(&vo, 0, sizeof(vo));
  rc = sk_validator_new(&one, &vo, &v, err);
  if (rc != 0)
    goto out;
  rc = sk_buf_printf(out,
                     "%s: valid: persona \"%s\" (%s), order %d, %zu "
                     "rubric element%s, every pattern compiles\n",
                     path, p.name, p.display_name, p.order, p.nrubric,
                     p.nrubric == 1 ? "" : "s");
  for (i = 0; i < ndirs && rc == 0; i++) {
    if (!sk_fs_is_dir(dirs[i])) {
      rc = sk_buf_printf(out, "note: no sample directory %s\n", dirs[i]);
      continue;
    }
    rc = collect(dirs[i], &s, 0);
  }
  if (rc == 0 && s.n > 0)
    qsort(s.path, s.n, sizeof(*s.path), cmp_str);
  if (rc == 0)
    rc = run_samples(v, &p, &s, out, st);
  st->elements = p.nrubric;
  if (rc == 0)
    rc = sk_buf_printf(
        out,
        "\n%zu sample%s, %zu covering every element; %zu element%s no "
        "sample hits\n",
        st->samples, st->samples == 1 ? "" : "s", st->full, st->unhit,
        st->unhit == 1 ? "" : "s");
  if (rc != 0)
    sk_error_set(err, rc, "%s: %s", path, sk_strerror(rc));
out:
  for (i = 0; i < s.n; i++)
    free(s.path[i]);
  free(s.path);
  sk_validator_free(v);
  sk_persona_cleanup(&p);
  return rc;
}

/* ---- replies ---- */

void sk_roster_replies_cleanup(struct sk_roster_replies *res) {
  if (res == NULL)
    return;
  free(res->per);
  res->per = NULL;
  res->n = 0;
}

static void free_names(struct samples *s) {
  size_t i;
  for (i = 0; i < s->n; i++)
    free(s->path[i]);
  free(s->path);
  memset(s, 0, sizeof(*s));
}

/* Lists the entries of dir that are directories (want_dir) or regular
 * *.txt files, by name, sorted; hidden entries are left out. */
static int list_names(const char *dir, int want_dir, struct samples *s) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int rc = 0;

  if (d == NULL)
    return SK_ENOENT;
  while (rc == 0 && (e = readdir(d)) != NULL && s->n < SK_ROSTER_MAX_REPLIES) {
    char path[4096];
    struct stat st;
    if (e->d_name[0] == '.')
      continue;
    struct sk_error pe;
    sk_error_clear(&pe);
    if (sk_path_join(path, sizeof(path), dir, e->d_name, &pe) != 0 ||
        stat(path, &st) != 0)
      continue;
    if (want_dir ? !S_ISDIR(st.st_mode)
                 : !S_ISREG(st.st_mode) || !ends_with(e->d_name, ".txt"))
      continue;
    if (s->n == s->cap) {
      size_t ncap = s->cap ? s->cap * 2 : 16;
      char **np = realloc(s->path, ncap * sizeof(*np));
      if (np == NULL) {
        rc = SK_ENOMEM;
        break;
      }
      s->path = np;
      s->cap = ncap;
    }
    s->path[s->n] = strdup(e->d_name);
    if (s->path[s->n] == NULL)
      rc = SK_ENOMEM;
    else
      s->n++;
  }
  closedir(d);
  if (rc == 0 && s->n > 0)
    qsort(s->path, s->n, sizeof(*s->path), cmp_str);
  return rc;
}

/* Loads tools_dir/<slug>.json, or leaves *tool NULL when there is none or
 * it is not a valid tool record (the report says the subject was not
 * checked). */
static int load_tool(const char *tools_dir, const char *slug,
                     struct sk_tool **tool) {
  char path[4096];
  char *text = NULL;
  size_t len = 0;
  struct sk_error e;
  cJSON *root;

  *tool = NULL;
  if (tools_dir == NULL)
    return 0;
  sk_error_clear(&e);
  if ((size_t)snprintf(path, sizeof(path), "%s/%s.json", tools_dir, slug) >=
      sizeof(path))
    return 0;
  if (sk_fs_read_file(path, SK_TOOL_MAX_DESCRIPTION * 4, &text, &len, &e) != 0)
    return e.code == SK_ENOMEM ? SK_ENOMEM : 0;
  root = sk_json_parse(text, len, NULL);
  free(text);
  if (root == NULL)
    return 0;
  if (sk_tool_from_json(root, path, tool, &e) != 0)
    *tool = NULL;
  cJSON_Delete(root);
  return e.code == SK_ENOMEM ? SK_ENOMEM : 0;
}

/* Counts msg among the persona's reasons. */
static void add_reason(struct sk_roster_tally *t, const char *msg) {
  size_t i;
  for (i = 0; i < t->nreasons; i++)
    if (strcmp(t->reasons[i].text, msg) == 0) {
      t->reasons[i].count++;
      return;
    }
  if (t->nreasons == SK_ROSTER_MAX_REASONS) {
    t->more_reasons++;
    return;
  }
  snprintf(t->reasons[t->nreasons].text, sizeof(t->reasons[0].text), "%s", msg);
  t->reasons[t->nreasons++].count = 1;
}

/* Appends the names of the elements whose bits are set in mask. */
static int list_elements(const struct sk_persona *p, uint32_t mask,
                         struct sk_buf *out) {
  size_t j;
  int rc = 0;
  int first = 1;
  for (j = 0; j < p->nrubric && j < 32; j++) {
    if (!((mask >> j) & 1u))
      continue;
    rc |= sk_buf_printf(out, "%s%s", first ? "" : ", ", p->rubric[j].name);
    first = 0;
  }
  return rc;
}

/* Reports one checked reply and counts it. */
static int report_reply(const struct sk_persona *p, const char *name, int rc,
                        const struct sk_reply *r, struct sk_roster_tally *t,
                        struct sk_buf *out) {
  size_t i;
  int w = 0;

  if (rc == 0) {
    t->accepted++;
    w |= sk_buf_printf(out, "  %s  accepted  %d/100 %s  rubric %zu/%zu", name,
                       r->score, r->verdict, r->ncovered, r->nrubric);
    if (r->missing != 0) {
      w |= sk_buf_adds(out, ", missing: ");
      w |= list_elements(p, r->missing, out);
    }
    return w | sk_buf_adds(out, "\n");
  }
  if (r->nformat == 0 && r->rubric_short) {
    t->reasked++;
    w |= sk_buf_printf(out,
                       "  %s  re-asked  rubric %zu/%zu (needs %zu), "
                       "missing: ",
                       name, r->ncovered, r->nrubric, r->min_rubric);
    w |= list_elements(p, r->missing, out);
    w |= sk_buf_adds(out, "\n");
  } else {
    t->rejected++;
    w |= sk_buf_printf(out, "  %s  rejected", name);
    for (i = 0; i < r->nerrors; i++)
      w |= sk_buf_printf(out, "%s%s", i == 0 ? ": " : "; ", r->errors[i]);
    w |= sk_buf_adds(out, "\n");
  }
  for (i = 0; i < r->nerrors; i++)
    add_reason(t, r->errors[i]);
  return w;
}

/* The persona a reply file is for: its name up to the first '.'. */
static long persona_of(const struct sk_panel_def *panel, const char *file) {
  size_t n = strcspn(file, ".");
  size_t i;
  for (i = 0; i < panel->n; i++)
    if (strlen(panel->personas[i].name) == n &&
        strncmp(panel->personas[i].name, file, n) == 0)
      return (long)i;
  return -1;
}

/* Checks every reply of one slug directory. */
static int check_slug(struct sk_validator *v, const struct sk_panel_def *panel,
                      const char *dir, const char *slug, const char *tools_dir,
                      struct sk_buf *out, struct sk_roster_replies *res) {
  char sdir[4096];
  struct samples files = {NULL, 0, 0};
  struct sk_tool *tool = NULL;
  struct sk_error e0;
  size_t i;
  int rc;

  sk_error_clear(&e0);
  rc = sk_path_join(sdir, sizeof(sdir), dir, slug, &e0);
  if (rc == 0)
    rc = list_names(sdir, 0, &files);
  if (rc == 0)
    rc = load_tool(tools_dir, slug, &tool);
  if (rc == 0 && tools_dir != NULL && tool == NULL && files.n > 0) {
    res->no_tool += files.n;
    rc = sk_buf_printf(out,
                       "note: no tool record %s/%s.json; replies of %s "
                       "are not checked for naming the tool\n",
                       tools_dir, slug, slug);
  }
  for (i = 0; i < files.n && rc == 0; i++) {
    char path[4096];
    char name[1024];
    char *text = NULL;
    size_t len = 0;
    struct sk_reply r;
    struct sk_error e;
    long pi = persona_of(panel, files.path[i]);
    int crc;
    sk_error_clear(&e);
    if (sk_path_join(path, sizeof(path), sdir, files.path[i], &e) != 0 ||
        sk_path_join(name, sizeof(name), slug, files.path[i], &e) != 0) {
      res->skipped++;
      rc = sk_buf_printf(out, "  %s  skipped (%s)\n", files.path[i], e.msg);
      continue;
    }
    if (pi < 0) {
      res->unknown++;
      rc = sk_buf_printf(out, "  %s  not on the panel (no such persona)\n",
                         name);
      continue;
    }
    sk_error_clear(&e);
    if (sk_fs_read_file(path, SK_ROSTER_SAMPLE_CAP, &text, &len, &e) != 0) {
      res->skipped++;
      rc = sk_buf_printf(out, "  %s  skipped (%s)\n", name, e.msg);
      continue;
    }
    crc = sk_validator_check_tool(v, (size_t)pi, text, len, NULL, tool, &r);
    free(text);
    if (crc != 0 && crc != SK_EREPLY) {
      rc = crc;
      break;
    }
    res->replies++;
    rc = report_reply(&panel->personas[pi], name, crc, &r, &res->per[pi], out);
    sk_reply_cleanup(&r);
  }
  sk_tool_free(tool);
  free_names(&files);
  return rc;
}

/* Appends the per-persona table and reasons. */
static int report_tallies(const struct sk_panel_def *panel,
                          const struct sk_roster_replies *res,
                          struct sk_buf *out) {
  size_t i;
  size_t k;
  int rc = sk_buf_printf(out, "\n%-12s %8s %8s %8s\n", "PERSONA", "ACCEPTED",
                         "RE-ASKED", "REJECTED");
  for (i = 0; i < res->n; i++) {
    const struct sk_roster_tally *t = &res->per[i];
    rc |= sk_buf_printf(out, "%-12s %8zu %8zu %8zu\n", panel->personas[i].name,
                        t->accepted, t->reasked, t->rejected);
    for (k = 0; k < t->nreasons; k++)
      rc |= sk_buf_printf(out, "  %zux %s\n", t->reasons[k].count,
                          t->reasons[k].text);
    if (t->more_reasons > 0)
      rc |= sk_buf_printf(out, "  (%zu more reasons)\n", t->more_reasons);
  }
  return rc;
}

int sk_roster_check_replies(const struct sk_panel_def *panel,
                            const struct sk_validate_opts *opts,
                            const char *dir, const char *tools_dir,
                            struct sk_buf *out, struct sk_roster_replies *res,
                            struct sk_error *err) {
  struct sk_validator *v = NULL;
  struct samples slugs = {NULL, 0, 0};
  size_t i;
  size_t accepted = 0;
  int rc;

  memset(res, 0, sizeof(*res));
  if (!sk_fs_is_dir(dir))
    return sk_error_set(err, SK_ENOENT,
                        "%s: not a directory of replies "
                        "(DIR/<slug>/<persona>.txt)",
                        dir);
  res->per = calloc(panel->n ? panel->n : 1, sizeof(*res->per));
  if (res->per == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  res->n = panel->n;
  rc = sk_validator_new(panel, opts, &v, err);
  if (rc != 0)
    return rc;
  rc = sk_buf_printf(out, "%s: replies checked with rubric policy %s\n", dir,
                     sk_rubric_policy_name(opts->rubric));
  if (rc == 0)
    rc = list_names(dir, 1, &slugs);
  for (i = 0; i < slugs.n && rc == 0; i++)
    rc = check_slug(v, panel, dir, slugs.path[i], tools_dir, out, res);
  if (rc == 0)
    rc = report_tallies(panel, res, out);
  for (i = 0; i < res->n; i++)
    accepted += res->per[i].accepted;
  if (rc == 0)
    rc = sk_buf_printf(out,
                       "\n%zu repl%s: %zu accepted on the first attempt; "
                       "%zu not on the panel\n",
                       res->replies, res->replies == 1 ? "y" : "ies", accepted,
                       res->unknown);
  if (rc != 0 && (err == NULL || err->code == 0))
    sk_error_set(err, rc, "%s: %s", dir, sk_strerror(rc));
  free_names(&slugs);
  sk_validator_free(v);
  return rc;
}
