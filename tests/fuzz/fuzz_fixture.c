/* fuzz_fixture.c: reading recorded exchanges from a fixtures directory.
 *
 * The input is one fixture file. Its name comes from the 64-hex "key" it
 * holds when it holds one (so real fixtures load as such), else from a
 * fixed key; it is written to the scratch directory and read back with
 * sk_fixture_read(), then the whole directory is checked and listed as
 * `shipskip fixtures check|list` do. Checked: a response read has headers
 * and a body of the length it claims, or a transport error; nothing is
 * left allocated on failure.
 */
#include "fuzz.h"
#include "shipskip/net/fixture.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void key_of(const uint8_t *data, size_t size, char key[65]) {
  static const char TAG[] = "\"key\"";
  size_t i;
  memset(key, '0', 64);
  key[64] = '\0';
  for (i = 0; i + sizeof(TAG) - 1 <= size; i++) {
    size_t j = i + sizeof(TAG) - 1;
    size_t k;
    if (memcmp(data + i, TAG, sizeof(TAG) - 1) != 0)
      continue;
    while (j < size && (data[j] == ' ' || data[j] == ':'))
      j++;
    if (j >= size || data[j] != '"' || size - j - 1 < 64)
      return;
    for (k = 0; k < 64; k++) {
      char c = (char)data[j + 1 + k];
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
        return;
    }
    memcpy(key, data + j + 1, 64);
    return;
  }
}

/* The checks' reports are not looked at: only that they do not crash. */
static void ignore_problem_cb(void *ctx, const char *msg) {
  (void)ctx;
  (void)msg;
}

static void ignore_entry_cb(void *ctx, const struct sk_fixture_entry *e) {
  (void)ctx;
  (void)e;
}

int sk_fuzz_one(const uint8_t *data, size_t size) {
  static const char *const SECRETS[] = {"SK_FUZZ_SECRET", NULL};
  size_t checked;
  const char *dir = sk_fuzz_tmpdir();
  char key[65];
  char name[48];
  char path[1100];
  struct sk_fixture_response res;
  struct sk_error err;
  int rc;

  setenv("SK_FUZZ_SECRET", "sk-fuzz-0123456789", 0);
  key_of(data, size, key);
  sk_fixture_name(key, 0, name);
  sk_fuzz_write(name, data, size);
  sk_error_clear(&err);
  rc = sk_fixture_read(dir, key, 0, &res, &err);
  if (rc == 0) {
    if (res.error == 0 &&
        (res.headers == NULL || (res.body == NULL && res.body_len != 0) ||
         res.status < 100 || res.status > 599))
      sk_fuzz_fail("a response without headers or body (status %ld)",
                   res.status);
    if (res.body != NULL && memchr(res.body, '\0', res.body_len + 1) == NULL)
      sk_fuzz_fail("the body is not NUL-terminated");
    sk_fixture_response_cleanup(&res);
  } else if (rc != SK_ENOENT && err.msg[0] == '\0') {
    sk_fuzz_fail("error %d without a message", rc);
  }
  sk_error_clear(&err);
  (void)sk_fixture_check_dir(dir, SECRETS, ignore_problem_cb, NULL, &checked,
                             &err);
  sk_error_clear(&err);
  (void)sk_fixture_list_dir(dir, ignore_entry_cb, NULL, &err);
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  unlink(path);
  return 0;
}
