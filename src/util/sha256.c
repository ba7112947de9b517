/* sha256.c: a compact SHA-256 following FIPS 180-4 (see sha256.h).
 *
 * The block function is portable C, or, on x86-64 CPUs that have them, the
 * SHA extensions (SHA-NI), chosen once at run time: a batch hashes a few
 * kilobytes per review (the inputs digest), and the instructions do a block
 * in about a tenth of the time. Both give the same digest; the tests run the
 * known vectors through both.
 */
#include "shipskip/util/sha256.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SK_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress_c(uint32_t state[8], const unsigned char *p) {
  uint32_t w[64];
  uint32_t a, b, c, d, e, f, g, h;
  int i;

  for (i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
           (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
  for (i = 16; i < 64; i++) {
    uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  a = state[0];
  b = state[1];
  c = state[2];
  d = state[3];
  e = state[4];
  f = state[5];
  g = state[6];
  h = state[7];
  for (i = 0; i < 64; i++) {
    uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
                  ((e & f) ^ (~e & g)) + K[i] + w[i];
    uint32_t t2 =
        (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

#ifdef SK_SHA_NI
/* n blocks with the SHA extensions: the state is kept as ABEF and CDGH,
 * each sha256rnds2 does two rounds, and sha256msg1/msg2 extend the message
 * schedule four words at a time (Intel's published sequence). */
__attribute__((target("sha,sse4.1,ssse3"))) static void
compress_ni(uint32_t state[8], const unsigned char *p, size_t n) {
  const __m128i swap =
      _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i tmp = _mm_loadu_si128((const __m128i *)(const void *)&state[0]);
  __m128i st1 = _mm_loadu_si128((const __m128i *)(const void *)&state[4]);
  __m128i st0;

  tmp = _mm_shuffle_epi32(tmp, 0xB1);    /* CDAB */
  st1 = _mm_shuffle_epi32(st1, 0x1B);    /* EFGH */
  st0 = _mm_alignr_epi8(tmp, st1, 8);    /* ABEF */
  st1 = _mm_blend_epi16(st1, tmp, 0xF0); /* CDGH */
  for (; n > 0; n--, p += 64) {
    __m128i save0 = st0;
    __m128i save1 = st1;
    __m128i w[4];
    int i;
    for (i = 0; i < 16; i++) {
      __m128i m;
      if (i < 4) {
        w[i] = _mm_shuffle_epi8(
            _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)), swap);
      } else {
        /* w[i] = msg2(msg1(w[i-4], w[i-3]) + alignr(w[i-1], w[i-2]),
         * w[i-1]), in a ring of four. */
        __m128i t = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
        t = _mm_add_epi32(t,
                          _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
        w[i & 3] = _mm_sha256msg2_epu32(t, w[(i + 3) & 3]);
      }
      m = _mm_add_epi32(
          w[i & 3], _mm_loadu_si128((const __m128i *)(const void *)&K[4 * i]));
      st1 = _mm_sha256rnds2_epu32(st1, st0, m);
      m = _mm_shuffle_epi32(m, 0x0E);
      st0 = _mm_sha256rnds2_epu32(st0, st1, m);
    }
    st0 = _mm_add_epi32(st0, save0);
    st1 = _mm_add_epi32(st1, save1);
  }
  tmp = _mm_shuffle_epi32(st0, 0x1B);    /* FEBA */
  st1 = _mm_shuffle_epi32(st1, 0xB1);    /* DCHG */
  st0 = _mm_blend_epi16(tmp, st1, 0xF0); /* DCBA */
  st1 = _mm_alignr_epi8(st1, tmp, 8);    /* HGFE */
  _mm_storeu_si128((__m128i *)(void *)&state[0], st0);
  _mm_storeu_si128((__m128i *)(void *)&state[4], st1);
}

/* -1 not yet known, 0 no, 1 yes; set once, read by every thread. */
static atomic_int use_ni = -1;

static int cpu_has_ni(void) {
  unsigned a;
  unsigned b;
  unsigned c;
  unsigned d;
  if (!__get_cpuid(1, &a, &b, &c, &d))
    return 0;
  if (!(c & (1u << 9)) || !(c & (1u << 19))) /* SSSE3, SSE4.1 */
    return 0;
  if (__get_cpuid_max(0, NULL) < 7)
    return 0;
  __cpuid_count(7, 0, a, b, c, d);
  return (b >> 29) & 1; /* SHA */
}
#endif

int sk_sha256_accel(int on) {
#ifdef SK_SHA_NI
  atomic_store(&use_ni, on ? cpu_has_ni() : 0);
  return atomic_load(&use_ni);
#else
  (void)on;
  return 0;
#endif
}

/* Runs the block function over n whole blocks at p. */
static void compress(struct sk_sha256 *s, const unsigned char *p, size_t n) {
#ifdef SK_SHA_NI
  int ni = atomic_load_explicit(&use_ni, memory_order_relaxed);
  if (ni < 0)
    ni = sk_sha256_accel(1);
  if (ni) {
    compress_ni(s->state, p, n);
    return;
  }
#endif
  for (; n > 0; n--, p += 64)
    compress_c(s->state, p);
}

void sk_sha256_init(struct sk_sha256 *s) {
  static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                 0xa54ff53a, 0x510e527f, 0x9b05688c,
                                 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->state, iv, sizeof(iv));
  s->bits = 0;
  s->used = 0;
}

void sk_sha256_update(struct sk_sha256 *s, const void *data, size_t len) {
  const unsigned char *p = data;

  s->bits += (uint64_t)len * 8;
  if (s->used > 0) {
    size_t n = 64 - s->used;
    if (n > len)
      n = len;
    memcpy(s->block + s->used, p, n);
    s->used += n;
    p += n;
    len -= n;
    if (s->used < 64)
      return;
    compress(s, s->block, 1);
    s->used = 0;
  }
  /* Whole blocks straight from the input, the rest kept for later. */
  if (len >= 64) {
    compress(s, p, len / 64);
    p += len - len % 64;
    len %= 64;
  }
  memcpy(s->block, p, len);
  s->used = len;
}

void sk_sha256_final(struct sk_sha256 *s, unsigned char out[32]) {
  uint64_t bits = s->bits;
  int i;

  s->block[s->used++] = 0x80;
  if (s->used > 56) {
    memset(s->block + s->used, 0, 64 - s->used);
    compress(s, s->block, 1);
    s->used = 0;
  }
  memset(s->block + s->used, 0, 56 - s->used);
  for (i = 0; i < 8; i++)
    s->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
  compress(s, s->block, 1);
  for (i = 0; i < 8; i++) {
    out[4 * i] = (unsigned char)(s->state[i] >> 24);
    out[4 * i + 1] = (unsigned char)(s->state[i] >> 16);
    out[4 * i + 2] = (unsigned char)(s->state[i] >> 8);
    out[4 * i + 3] = (unsigned char)s->state[i];
  }
}

void sk_sha256_final_hex(struct sk_sha256 *s, char hex[65]) {
  static const char digits[] = "0123456789abcdef";
  unsigned char out[32];
  int i;

  sk_sha256_final(s, out);
  for (i = 0; i < 32; i++) {
    hex[2 * i] = digits[out[i] >> 4];
    hex[2 * i + 1] = digits[out[i] & 15];
  }
  hex[64] = '\0';
}

void sk_sha256_hex(const void *data, size_t len, char hex[65]) {
  struct sk_sha256 s;
  sk_sha256_init(&s);
  sk_sha256_update(&s, data, len);
  sk_sha256_final_hex(&s, hex);
}
