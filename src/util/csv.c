/* csv.c: the CSV field writer with formula defusing, and the RFC 4180 record
 * reader (see csv.h). */
#include "shipskip/util/csv.h"

#include <string.h>

/* Largest record the reader accepts, quotes and separators included. */
#define RECORD_CAP (64 * 1024)

int sk_csv_field(struct sk_buf *out, const char *s) {
  const char *p;
  int quote;
  int rc = 0;

  if (s == NULL || *s == '\0')
    return 0;
  /* The prefix is part of the field, so quoting below sees it too. */
  quote = strpbrk(s, ",\"\r\n") != NULL;
  if (quote)
    rc = sk_buf_add(out, "\"", 1);
  if (rc == 0 && strchr("=+-@\t\r", *s) != NULL)
    rc = sk_buf_add(out, "'", 1);
  for (p = s; *p != '\0' && rc == 0; p++) {
    if (*p == '"')
      rc = sk_buf_add(out, "\"\"", 2);
    else
      rc = sk_buf_add(out, p, 1);
  }
  if (rc == 0 && quote)
    rc = sk_buf_add(out, "\"", 1);
  return rc;
}

void sk_csv_reader_init(struct sk_csv_reader *r, const char *data, size_t len,
                        const char *name) {
  r->p = data;
  r->end = data + len;
  r->name = name;
  r->line = 1;
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
    r->p += 3;
}

void sk_csv_record_init(struct sk_csv_record *rec) {
  memset(rec, 0, sizeof(*rec));
  sk_buf_init(&rec->storage, RECORD_CAP);
}

void sk_csv_record_cleanup(struct sk_csv_record *rec) {
  if (rec == NULL)
    return;
  sk_buf_cleanup(&rec->storage);
  memset(rec, 0, sizeof(*rec));
}

/* Ends the current field: a NUL in storage, and its start offset saved. */
static int end_field(struct sk_csv_reader *r, struct sk_csv_record *rec,
                     size_t *offsets, size_t start, struct sk_error *err) {
  int rc;
  if (rec->n == SK_CSV_MAX_FIELDS)
    return sk_error_set(err, SK_EPARSE, "%s:%ld: more than %d fields", r->name,
                        rec->line, SK_CSV_MAX_FIELDS);
  rc = sk_buf_add(&rec->storage, "", 1);
  if (rc != 0)
    return sk_error_set(err, rc, "%s:%ld: record too long or out of memory",
                        r->name, rec->line);
  offsets[rec->n++] = start;
  return 0;
}

int sk_csv_next(struct sk_csv_reader *r, struct sk_csv_record *rec,
                struct sk_error *err) {
  size_t offsets[SK_CSV_MAX_FIELDS];
  size_t start;
  size_t i;
  int rc;

  /* Blank lines (LF, CRLF or a lone CR) carry no record. */
  while (r->p < r->end && (*r->p == '\n' || *r->p == '\r')) {
    if (*r->p == '\n')
      r->line++;
    r->p++;
  }
  if (r->p >= r->end)
    return 0;
  sk_buf_reset(&rec->storage);
  rec->n = 0;
  rec->line = r->line;
  start = 0;
  for (;;) {
    int at_end = r->p >= r->end;
    char c = at_end ? '\n' : *r->p;

    if (!at_end && c == '\0')
      return sk_error_set(err, SK_EPARSE, "%s:%ld: NUL byte in the data",
                          r->name, r->line);
    if (c == '"' && rec->storage.len == start) {
      /* A quoted field: runs to the closing quote; "" is one quote. */
      r->p++;
      for (;;) {
        if (r->p >= r->end)
          return sk_error_set(err, SK_EPARSE,
                              "%s:%ld: unterminated quoted field (a \" with "
                              "no closing \")",
                              r->name, rec->line);
        if (*r->p == '"') {
          if (r->p + 1 < r->end && r->p[1] == '"') {
            rc = sk_buf_add(&rec->storage, "\"", 1);
            r->p += 2;
          } else {
            r->p++;
            break;
          }
        } else {
          /* Quoting does not make a NUL safe: fields are C strings, and
           * one would cut the field short. */
          if (*r->p == '\0')
            return sk_error_set(err, SK_EPARSE, "%s:%ld: NUL byte in the data",
                                r->name, r->line);
          if (*r->p == '\n')
            r->line++;
          rc = sk_buf_add(&rec->storage, r->p, 1);
          r->p++;
        }
        if (rc != 0)
          return sk_error_set(err, rc, "%s:%ld: record too long", r->name,
                              rec->line);
      }
      if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r')
        return sk_error_set(err, SK_EPARSE,
                            "%s:%ld: text after a closing quote", r->name,
                            r->line);
      continue;
    }
    if (c == ',' || c == '\n' || c == '\r') {
      rc = end_field(r, rec, offsets, start, err);
      if (rc != 0)
        return rc;
      start = rec->storage.len;
      if (c == ',') {
        r->p++;
        continue;
      }
      if (!at_end) {
        if (c == '\r' && r->p + 1 < r->end && r->p[1] == '\n')
          r->p++;
        r->p++;
        r->line++;
      }
      break;
    }
    if (c == '"')
      return sk_error_set(err, SK_EPARSE,
                          "%s:%ld: a \" inside an unquoted field (quote the "
                          "whole field and double the \")",
                          r->name, r->line);
    rc = sk_buf_add(&rec->storage, r->p, 1);
    if (rc != 0)
      return sk_error_set(err, rc, "%s:%ld: record too long", r->name,
                          rec->line);
    r->p++;
  }
  for (i = 0; i < rec->n; i++)
    rec->fields[i] = rec->storage.data + offsets[i];
  return 1;
}
