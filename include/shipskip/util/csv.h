/* csv.h: CSV in and out, RFC 4180.
 *
 * Out: sk_csv_field() is the one helper every CSV cell of text goes through.
 * It quotes a field holding a comma, a double quote, CR or LF (doubling the
 * quotes), and defuses spreadsheet formula injection: a field starting with
 * = + - @, a tab or a carriage return gets a single quote in front, so
 * "=HYPERLINK(...)" arrives in Excel, LibreOffice or Sheets as text, not a
 * formula. Numbers shipskip computes are written by the caller, unprefixed.
 *
 * In: a small reader for files people write by hand (community votes): it
 * takes quoted and unquoted fields, doubled quotes, LF or CRLF line ends, a
 * UTF-8 byte-order mark, skips blank lines, and reports errors as
 * "NAME:LINE: ..." so a bad row is easy to find.
 */
#ifndef SHIPSKIP_CSV_H
#define SHIPSKIP_CSV_H

#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"

#include <stddef.h>

/* Most fields a record may have; a wider record is an error. */
#define SK_CSV_MAX_FIELDS 32

/* Appends s (NULL means an empty field) as one CSV field, quoted when it
 * must be and prefixed with ' when it could start a formula. Returns 0,
 * SK_ENOMEM or SK_ETOOBIG (out's cap). */
int sk_csv_field(struct sk_buf *out, const char *s);

/* A reader over a caller-owned text of len bytes. name labels messages. */
struct sk_csv_reader {
  const char *p;
  const char *end;
  const char *name;
  long line; /* line of the next byte, from 1 */
};

/* One record: fields[i] points into storage owned by the record; valid
 * until the next sk_csv_next() on it or sk_csv_record_cleanup(). */
struct sk_csv_record {
  char *fields[SK_CSV_MAX_FIELDS];
  size_t n;
  long line; /* the line the record starts on */
  struct sk_buf storage;
};

/* Starts reading data (len bytes; it need not be NUL-terminated), skipping
 * a UTF-8 byte-order mark. name is kept, not copied. Cannot fail. */
void sk_csv_reader_init(struct sk_csv_reader *r, const char *data, size_t len,
                        const char *name);

/* Prepares an empty record. Cannot fail. */
void sk_csv_record_init(struct sk_csv_record *rec);

/* Frees the record's storage. NULL-safe. */
void sk_csv_record_cleanup(struct sk_csv_record *rec);

/* Reads the next non-blank record into rec. Returns 1 when a record was
 * read, 0 at the end of the data, or SK_EPARSE ("NAME:LINE: unterminated
 * quoted field", a quote inside an unquoted field, text after a closing
 * quote, more than SK_CSV_MAX_FIELDS fields, a NUL byte), SK_ETOOBIG (a
 * record over 64 KiB) or SK_ENOMEM, with err set. */
int sk_csv_next(struct sk_csv_reader *r, struct sk_csv_record *rec,
                struct sk_error *err);

#endif
