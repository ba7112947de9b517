/* test_sha256.c: SHA-256 against the FIPS 180-4 example vectors. */
#include "harness.h"
#include "shipskip/util/sha256.h"

TEST(known_vectors) {
  char hex[65];
  static char million[1000000];
  sk_sha256_hex("", 0, hex);
  ASSERT_STR_EQ(
      hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sk_sha256_hex("abc", 3, hex);
  ASSERT_STR_EQ(
      hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  sk_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
                hex);
  ASSERT_STR_EQ(
      hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  memset(million, 'a', sizeof(million));
  sk_sha256_hex(million, sizeof(million), hex);
  ASSERT_STR_EQ(
      hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(incremental_equals_one_shot) {
  struct sk_sha256 s;
  unsigned char d[32];
  char hex[65];
  char one[65];
  const char *msg = "the quick brown fox jumps over the lazy dog, twice over";
  size_t i;
  sk_sha256_init(&s);
  for (i = 0; msg[i] != '\0'; i++)
    sk_sha256_update(&s, msg + i, 1);
  sk_sha256_final(&s, d);
  for (i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", d[i]);
  sk_sha256_hex(msg, strlen(msg), one);
  ASSERT_STR_EQ(hex, one);
}

/* The same digests with the CPU's SHA instructions and without, for every
 * length around the block boundaries and split at every point. */
TEST(accelerated_equals_portable) {
  static unsigned char data[300];
  char a[65];
  char b[65];
  size_t len;
  size_t i;
  for (i = 0; i < sizeof(data); i++)
    data[i] = (unsigned char)(i * 131 + 7);
  for (len = 0; len <= sizeof(data); len++) {
    struct sk_sha256 s;
    unsigned char d[32];
    size_t cut = len / 3;
    sk_sha256_accel(0);
    sk_sha256_hex(data, len, a);
    sk_sha256_accel(1);
    sk_sha256_init(&s);
    sk_sha256_update(&s, data, cut);
    sk_sha256_update(&s, data + cut, len - cut);
    sk_sha256_final(&s, d);
    for (i = 0; i < 32; i++)
      snprintf(b + 2 * i, 3, "%02x", d[i]);
    ASSERT_STR_EQ(b, a);
  }
}

int main(void) {
  RUN(known_vectors);
  RUN(incremental_equals_one_shot);
  RUN(accelerated_equals_portable);
  sk_sha256_accel(0);
  RUN(known_vectors);
  RUN(incremental_equals_one_shot);
  sk_sha256_accel(1);
  return TEST_REPORT();
}
