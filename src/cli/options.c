/* options.c: the option parser and help renderer behind every command.
 *
 * Parsing is one pass over the arguments: an argument is an operand, "--"
 * (the rest are operands), a long option ("--name", "--name=value") or a
 * short one ("-o", "-oVALUE"). Each option found is looked up in the
 * command's set and its value stored by type into the command's options
 * struct. Nothing here prints or exits; errors come back as codes with the
 * message in struct sk_error, and the first error ends the parse.
 */
#include "options.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A command has at most this many options: "given twice" is tracked in a
 * fixed array, so parsing allocates only the operand list. */
#define MAX_OPTS 128

/* One parse: the set, the arguments, where values go, and which options
 * have been seen (for "given twice"). */
struct parse {
  const struct sk_opt_set *set;
  int argc;
  char **argv;
  int i; /* the argument being read */
  void *dst;
  unsigned char seen[MAX_OPTS];
  struct sk_error *err;
};

static void *field(void *dst, const struct sk_opt *o) {
  return (char *)dst + o->offset;
}

static const void *cfield(const void *dst, const struct sk_opt *o) {
  return (const char *)dst + o->offset;
}

/* The option's index over all groups of set, for the seen array. */
static size_t opt_index(const struct sk_opt_set *set, const struct sk_opt *o) {
  size_t base = 0;
  size_t g;
  for (g = 0; g < set->ngroups; g++) {
    const struct sk_opt_group *gr = set->groups[g];
    if (o >= gr->opts && o < gr->opts + gr->n)
      return base + (size_t)(o - gr->opts);
    base += gr->n;
  }
  return base;
}

const struct sk_opt *sk_opts_find(const struct sk_opt_set *set,
                                  const char *name) {
  size_t g;
  size_t k;
  int by_short = name[0] != '\0' && name[1] == '\0';
  for (g = 0; g < set->ngroups; g++) {
    const struct sk_opt_group *gr = set->groups[g];
    for (k = 0; k < gr->n; k++) {
      const struct sk_opt *o = &gr->opts[k];
      if (by_short ? o->short_name == name[0] : strcmp(o->name, name) == 0)
        return o;
    }
  }
  return NULL;
}

/* Levenshtein distance of a and b, capped at 63 characters each (longer
 * names are no typo of an option). */
static size_t distance(const char *a, const char *b) {
  size_t la = strlen(a);
  size_t lb = strlen(b);
  size_t row[64];
  size_t i;
  size_t j;
  if (la > 63 || lb > 63)
    return SIZE_MAX;
  for (j = 0; j <= lb; j++)
    row[j] = j;
  for (i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best)
        best = up + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

const char *sk_opts_suggest(const struct sk_opt_set *set, const char *name) {
  const char *best = NULL;
  size_t best_d = SIZE_MAX;
  size_t g;
  size_t k;
  for (g = 0; g < set->ngroups; g++) {
    for (k = 0; k < set->groups[g]->n; k++) {
      const char *cand = set->groups[g]->opts[k].name;
      size_t d = distance(name, cand);
      if (d < best_d) {
        best_d = d;
        best = cand;
      }
    }
  }
  /* At most two edits and at most a third of the name: a slip of the
   * keyboard ("concurency", "outptu"), not another word ("budget" is not
   * "quiet"). */
  if (best == NULL || best_d > 2 || best_d > strlen(name) / 3)
    return NULL;
  return best;
}

int sk_opt_parse_long(const struct sk_opt *opt, const char *value, long *out,
                      struct sk_error *err) {
  char *end;
  long n;
  errno = 0;
  n = strtol(value, &end, 10);
  if (errno == ERANGE || end == value || *end != '\0')
    return sk_error_set(err, SK_EINVAL,
                        "--%s takes a whole number from %ld to %ld, not "
                        "\"%.80s\"",
                        opt->name, opt->lmin, opt->lmax, value);
  if (n < opt->lmin)
    return sk_error_set(err, SK_EINVAL, "--%s: %ld is below the minimum %ld",
                        opt->name, n, opt->lmin);
  if (n > opt->lmax)
    return sk_error_set(err, SK_EINVAL, "--%s: %ld is above the maximum %ld",
                        opt->name, n, opt->lmax);
  *out = n;
  return 0;
}

static int parse_double(const struct sk_opt *opt, const char *value,
                        double *out, struct sk_error *err) {
  char *end;
  double d;
  errno = 0;
  d = strtod(value, &end);
  if (errno == ERANGE || end == value || *end != '\0' || d != d)
    return sk_error_set(err, SK_EINVAL,
                        "--%s takes a number from %g to %g, not \"%.80s\"",
                        opt->name, opt->dmin, opt->dmax, value);
  if (d < opt->dmin)
    return sk_error_set(err, SK_EINVAL, "--%s: %g is below the minimum %g",
                        opt->name, d, opt->dmin);
  if (d > opt->dmax)
    return sk_error_set(err, SK_EINVAL, "--%s: %g is above the maximum %g",
                        opt->name, d, opt->dmax);
  *out = d;
  return 0;
}

/* "--format takes html, md or json, not \"xml\"". */
static int parse_enum(const struct sk_opt *opt, const char *value, int *out,
                      struct sk_error *err) {
  char words[256];
  size_t len = 0;
  size_t k;
  for (k = 0; opt->words[k] != NULL; k++) {
    if (strcmp(opt->words[k], value) == 0) {
      *out = (int)(opt->lmin + (long)k);
      return 0;
    }
  }
  words[0] = '\0';
  for (k = 0; opt->words[k] != NULL && len < sizeof(words); k++) {
    const char *sep = k == 0 ? "" : opt->words[k + 1] == NULL ? " or " : ", ";
    int n =
        snprintf(words + len, sizeof(words) - len, "%s%s", sep, opt->words[k]);
    if (n < 0)
      break;
    len += (size_t)n;
  }
  return sk_error_set(err, SK_EINVAL, "--%s takes %s, not \"%.80s\"", opt->name,
                      words, value);
}

static int add_string(struct sk_opt_strings *s, const char *value) {
  const char **v = realloc(s->v, (s->n + 1) * sizeof(*v));
  if (v == NULL)
    return SK_ENOMEM;
  s->v = v;
  s->v[s->n++] = value;
  return 0;
}

/* Stores value (NULL for a flag) into the option's field by its type. */
static int store(const struct sk_opt *o, void *dst, const char *value,
                 struct sk_error *err) {
  long n = 0;
  long scale = o->scale != 0 ? o->scale : 1;
  int rc = 0;

  switch (o->type) {
  case SK_OPT_FLAG:
    *(int *)field(dst, o) = (int)o->lmin;
    return 0;
  case SK_OPT_STRING:
    *(const char **)field(dst, o) = value;
    return 0;
  case SK_OPT_LIST:
    if (value[0] == '\0' || strspn(value, ",") == strlen(value))
      return sk_error_set(err, SK_EINVAL,
                          "--%s takes a comma list of names (a,b), not "
                          "\"%.80s\"",
                          o->name, value);
    *(const char **)field(dst, o) = value;
    return 0;
  case SK_OPT_INT:
  case SK_OPT_LONG:
    rc = sk_opt_parse_long(o, value, &n, err);
    if (rc == 0 && o->type == SK_OPT_INT)
      *(int *)field(dst, o) = (int)(n * scale);
    else if (rc == 0)
      *(long *)field(dst, o) = n * scale;
    return rc;
  case SK_OPT_DOUBLE:
    return parse_double(o, value, (double *)field(dst, o), err);
  case SK_OPT_ENUM:
    return parse_enum(o, value, (int *)field(dst, o), err);
  case SK_OPT_MULTI:
    if (add_string((struct sk_opt_strings *)field(dst, o), value) != 0)
      return sk_error_set(err, SK_ENOMEM, "out of memory");
    return 0;
  case SK_OPT_CUSTOM:
    break;
  }
  return o->set(dst, o, value, err);
}

/* Says an option is unknown, with the nearest name when one is close. */
static int unknown(const struct parse *p, const char *shown, const char *name) {
  const char *near = sk_opts_suggest(p->set, name);
  char scope[64] = "";
  if (p->set->scope != NULL)
    snprintf(scope, sizeof(scope), "%s ", p->set->scope);
  if (near != NULL)
    return sk_error_set(p->err, SK_EINVAL,
                        "unknown %soption \"%.80s\"; did you mean --%s?", scope,
                        shown, near);
  return sk_error_set(p->err, SK_EINVAL, "unknown %soption \"%.80s\"", scope,
                      shown);
}

/* The value of an option whose value may be left out: inline, else the
 * next argument when it starts with a digit, else NULL. */
static const char *optional_value(struct parse *p, const char *inl) {
  const char *next;
  if (inl != NULL)
    return inl;
  if (p->i + 1 >= p->argc)
    return NULL;
  next = p->argv[p->i + 1];
  if (next[0] < '0' || next[0] > '9')
    return NULL;
  p->i++;
  return next;
}

/* Applies option o, found as shown ("--model", "-o"), with its inline
 * value inl ("--model=x", "-ox") or NULL. */
static int apply(struct parse *p, const struct sk_opt *o, const char *shown,
                 const char *inl) {
  size_t idx = opt_index(p->set, o);
  const char *value = inl;

  if (o->type != SK_OPT_FLAG && o->type != SK_OPT_MULTI && idx < MAX_OPTS) {
    if (p->seen[idx])
      return sk_error_set(p->err, SK_EINVAL, "--%s given twice; give it once",
                          o->name);
    p->seen[idx] = 1;
  }
  if (o->type == SK_OPT_FLAG) {
    if (inl != NULL)
      return sk_error_set(p->err, SK_EINVAL, "%s takes no value", shown);
    return store(o, p->dst, NULL, p->err);
  }
  if (o->flags & SK_OPT_VALUE_OPTIONAL) {
    value = optional_value(p, inl);
    if (value == NULL) {
      *(long *)field(p->dst, o) = o->absent;
      return 0;
    }
  } else if (value == NULL) {
    if (p->i + 1 >= p->argc)
      return sk_error_set(p->err, SK_EINVAL, "%s needs a value (%s)", shown,
                          o->metavar ? o->metavar : "VALUE");
    value = p->argv[++p->i];
  }
  return store(o, p->dst, value, p->err);
}

static int long_option(struct parse *p, const char *arg) {
  char name[64];
  const char *eq = strchr(arg, '=');
  size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
  const struct sk_opt *o = NULL;

  if (len - 2 < sizeof(name)) {
    memcpy(name, arg + 2, len - 2);
    name[len - 2] = '\0';
    o = sk_opts_find(p->set, name);
  } else {
    snprintf(name, sizeof(name), "%s", arg + 2);
  }
  if (strcmp(name, "help") == 0 && o == NULL)
    return SK_OPT_HELP;
  if (o == NULL || len - 2 < 2) {
    char shown[72];
    snprintf(shown, sizeof(shown), "--%s", name);
    return unknown(p, shown, name);
  }
  {
    char shown[72];
    snprintf(shown, sizeof(shown), "--%s", name);
    return apply(p, o, shown, eq != NULL ? eq + 1 : NULL);
  }
}

static int short_option(struct parse *p, const char *arg) {
  char letter[2] = {arg[1], '\0'};
  char shown[3] = {'-', arg[1], '\0'};
  const struct sk_opt *o = sk_opts_find(p->set, letter);
  if (o == NULL && arg[1] == 'h' && arg[2] == '\0')
    return SK_OPT_HELP;
  if (o == NULL)
    return unknown(p, shown, letter);
  return apply(p, o, shown, arg[2] != '\0' ? arg + 2 : NULL);
}

int sk_opts_parse(const struct sk_opt_set *set, int argc, char **argv,
                  void *dst, struct sk_opt_operands *ops,
                  struct sk_error *err) {
  struct parse p;
  int rc = 0;

  memset(&p, 0, sizeof(p));
  p.set = set;
  p.argc = argc;
  p.argv = argv;
  p.dst = dst;
  p.err = err;
  ops->n = 0;
  ops->v = calloc((size_t)argc + 1, sizeof(*ops->v));
  if (ops->v == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  for (p.i = 0; rc == 0 && p.i < argc; p.i++) {
    const char *a = argv[p.i];
    if (strcmp(a, "--") == 0) {
      /* Everything after "--" is an operand, even "-x" or "--help". */
      for (p.i++; p.i < argc; p.i++)
        ops->v[ops->n++] = argv[p.i];
      break;
    }
    if (a[0] != '-' || a[1] == '\0')
      ops->v[ops->n++] = a; /* "-" is standard input */
    else if (a[1] == '-')
      rc = long_option(&p, a);
    else
      rc = short_option(&p, a);
  }
  return rc;
}

void sk_opt_operands_cleanup(struct sk_opt_operands *ops) {
  if (ops == NULL)
    return;
  free(ops->v);
  ops->v = NULL;
  ops->n = 0;
}

void sk_opt_strings_cleanup(struct sk_opt_strings *s) {
  if (s == NULL)
    return;
  free(s->v);
  s->v = NULL;
  s->n = 0;
}

void sk_opt_default(const struct sk_opt *opt, const void *defaults, char *buf,
                    size_t size) {
  long scale = opt->scale != 0 ? opt->scale : 1;
  buf[0] = '\0';
  if (opt->default_text != NULL) {
    snprintf(buf, size, "%s", opt->default_text);
    return;
  }
  if (!(opt->flags & SK_OPT_SHOW_DEFAULT) || defaults == NULL)
    return;
  switch (opt->type) {
  case SK_OPT_INT:
    snprintf(buf, size, "%ld", *(const int *)cfield(defaults, opt) / scale);
    break;
  case SK_OPT_LONG:
    snprintf(buf, size, "%ld", *(const long *)cfield(defaults, opt) / scale);
    break;
  case SK_OPT_DOUBLE:
    snprintf(buf, size, "%g", *(const double *)cfield(defaults, opt));
    break;
  case SK_OPT_ENUM: {
    long k = *(const int *)cfield(defaults, opt) - opt->lmin;
    size_t nwords = 0;
    while (opt->words[nwords] != NULL)
      nwords++;
    if (k >= 0 && (size_t)k < nwords)
      snprintf(buf, size, "%s", opt->words[k]);
    break;
  }
  case SK_OPT_STRING:
  case SK_OPT_LIST: {
    const char *s = *(const char *const *)cfield(defaults, opt);
    if (s != NULL)
      snprintf(buf, size, "%s", s);
    break;
  }
  default:
    break;
  }
}

/* Help text starts in this column and wraps before the 80th. */
#define HELP_COL 28
#define HELP_WIDTH 79

/* Appends help and " (default def)" from the help column, wrapped at word
 * boundaries with continuation lines indented to the column. */
static int wrapped(struct sk_buf *out, const char *help, const char *def) {
  char text[512];
  const char *p = text;
  size_t width = HELP_WIDTH - HELP_COL;
  int first = 1;

  snprintf(text, sizeof(text), "%s%s%s%s", help, def[0] ? " (default " : "",
           def, def[0] ? ")" : "");
  while (*p != '\0') {
    size_t len = strlen(p);
    size_t cut = len;
    if (len > width) {
      cut = width;
      while (cut > 0 && p[cut] != ' ')
        cut--;
      if (cut == 0)
        cut = width;
    }
    if (sk_buf_printf(out, "%*s%.*s\n", first ? 0 : HELP_COL, "", (int)cut,
                      p) != 0)
      return SK_ENOMEM;
    first = 0;
    p += cut;
    while (*p == ' ')
      p++;
  }
  return 0;
}

/* "  -o, --output DIR" or "      --concurrency N", padded to the help
 * column (or on a line of its own when longer). */
static int help_line(const struct sk_opt *o, const void *defaults,
                     struct sk_buf *out) {
  char left[96];
  char def[96];
  char meta[64] = "";
  int n;
  int rc;

  if (o->type == SK_OPT_ENUM) {
    size_t k;
    size_t len = 0;
    for (k = 0; o->words[k] != NULL && len + 1 < sizeof(meta); k++) {
      int w = snprintf(meta + len, sizeof(meta) - len, "%s%s", k ? "|" : "",
                       o->words[k]);
      if (w < 0)
        break;
      len += (size_t)w;
    }
  } else if (o->metavar != NULL) {
    snprintf(meta, sizeof(meta), "%s", o->metavar);
  }
  if (o->flags & SK_OPT_VALUE_OPTIONAL)
    n = snprintf(left, sizeof(left), "  %c%c%s--%s [%s]",
                 o->short_name ? '-' : ' ', o->short_name ? o->short_name : ' ',
                 o->short_name ? ", " : "  ", o->name, meta);
  else
    n = snprintf(left, sizeof(left), "  %c%c%s--%s%s%s",
                 o->short_name ? '-' : ' ', o->short_name ? o->short_name : ' ',
                 o->short_name ? ", " : "  ", o->name, meta[0] ? " " : "",
                 meta);
  sk_opt_default(o, defaults, def, sizeof(def));
  if (n > HELP_COL - 2)
    rc = sk_buf_printf(out, "%s\n%*s", left, HELP_COL, "");
  else
    rc = sk_buf_printf(out, "%-*s", HELP_COL, left);
  if (rc == 0)
    rc = wrapped(out, o->help, def);
  return rc;
}

int sk_opts_help(const struct sk_opt_set *set, const void *defaults,
                 struct sk_buf *out) {
  size_t g;
  size_t k;
  for (g = 0; g < set->ngroups; g++) {
    const struct sk_opt_group *gr = set->groups[g];
    if (gr->title != NULL && sk_buf_printf(out, "\n%s:\n", gr->title) != 0)
      return SK_ENOMEM;
    for (k = 0; k < gr->n; k++)
      if (help_line(&gr->opts[k], defaults, out) != 0)
        return SK_ENOMEM;
  }
  return 0;
}
