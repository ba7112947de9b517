/* test_stats.c: the panel statistics against published worked examples
 * (Fleiss' kappa, Krippendorff's alpha, Wilson intervals, Student's t table,
 * R's Welch test on the sleep data, Fisher's tea tasting), and every edge
 * case: each returns its defined status and no NaN or infinity. The data
 * are copied from the published tables; each test cites its source. */
#include "harness.h"
#include "shipskip/util/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define ASSERT_NEAR(a, b, tol)                                                 \
  do {                                                                         \
    double th_x = (a);                                                         \
    double th_y = (b);                                                         \
    if (!(fabs(th_x - th_y) <= (tol)))                                         \
      TH_FAIL("%s ~ %s: %.10g != %.10g (tol %g)", #a, #b, th_x, th_y,          \
              (double)(tol));                                                  \
  } while (0)

/* Every double of a result struct must be finite whatever the status. */
#define ASSERT_FINITE(x)                                                       \
  do {                                                                         \
    if (!isfinite(x))                                                          \
      TH_FAIL("%s is not finite: %g", #x, (double)(x));                        \
  } while (0)

#define ASSERT_FLEISS_FINITE(f)                                                \
  do {                                                                         \
    ASSERT_FINITE((f).p_bar);                                                  \
    ASSERT_FINITE((f).pe_bar);                                                 \
    ASSERT_FINITE((f).kappa);                                                  \
    ASSERT_FINITE((f).se0);                                                    \
    ASSERT_FINITE((f).z);                                                      \
    ASSERT_FINITE((f).p_value);                                                \
    ASSERT_FINITE((f).ci_low);                                                 \
    ASSERT_FINITE((f).ci_high);                                                \
  } while (0)

#define ASSERT_ALPHA_FINITE(a)                                                 \
  do {                                                                         \
    ASSERT_FINITE((a).d_o);                                                    \
    ASSERT_FINITE((a).d_e);                                                    \
    ASSERT_FINITE((a).alpha);                                                  \
  } while (0)

#define ASSERT_TTEST_FINITE(r)                                                 \
  do {                                                                         \
    ASSERT_FINITE((r).mean1);                                                  \
    ASSERT_FINITE((r).mean2);                                                  \
    ASSERT_FINITE((r).diff);                                                   \
    ASSERT_FINITE((r).t);                                                      \
    ASSERT_FINITE((r).df);                                                     \
    ASSERT_FINITE((r).p_value);                                                \
  } while (0)

/* Fleiss (1971), as worked on Wikipedia's "Fleiss' kappa" page: 10
 * subjects, 14 raters each, 5 categories. Published: P-bar = 0.378,
 * P-bar-e = 0.213, kappa = 0.210. */
static const unsigned FLEISS_WIKI[10 * 5] = {
    0, 0, 0, 0, 14, /* subject 1 */
    0, 2, 6, 4, 2,  /* 2 */
    0, 0, 3, 5, 6,  /* 3 */
    0, 3, 9, 2, 0,  /* 4 */
    2, 2, 8, 1, 1,  /* 5 */
    7, 7, 0, 0, 0,  /* 6 */
    3, 2, 6, 3, 0,  /* 7 */
    2, 5, 3, 2, 2,  /* 8 */
    6, 5, 2, 1, 0,  /* 9 */
    0, 2, 2, 3, 7,  /* 10 */
};

TEST(fleiss_reproduces_the_published_example) {
  struct sk_stats_fleiss f;
  ASSERT_INT_EQ(sk_stats_fleiss(FLEISS_WIKI, 10, 5, &f), SK_STATS_OK);
  ASSERT_INT_EQ(f.status, SK_STATS_OK);
  ASSERT_INT_EQ(f.subjects, 10);
  ASSERT_INT_EQ(f.categories, 5);
  ASSERT_INT_EQ(f.raters, 14);
  ASSERT_NEAR(f.p_bar, 0.378, 0.0005);
  ASSERT_NEAR(f.pe_bar, 0.213, 0.0005);
  ASSERT_NEAR(f.kappa, 0.210, 0.0005);
  /* The exact fractions behind the rounded published figures:
   * P-bar = 3440 / 9100, P-bar-e = 0.21275510204... (sum of p_j^2). */
  ASSERT_NEAR(f.p_bar, 3440.0 / 9100.0, 1e-12);
  ASSERT_NEAR(f.pe_bar, 0.2127551020408163, 1e-12);
  /* SE under the null from the Fleiss-Nee-Landis formula, worked by hand
   * from p_j = (20, 28, 39, 21, 32) / 140: not a published figure, but it
   * pins the formula down. */
  ASSERT_NEAR(f.se0, 0.016965069224393, 1e-9);
  ASSERT_NEAR(f.z, f.kappa / f.se0, 1e-9);
  ASSERT(f.p_value < 1e-30);
  ASSERT_FLEISS_FINITE(f);
}

TEST(fleiss_bootstrap_interval_is_deterministic_and_brackets_kappa) {
  struct sk_stats_fleiss a;
  struct sk_stats_fleiss b;
  sk_stats_fleiss(FLEISS_WIKI, 10, 5, &a);
  sk_stats_fleiss(FLEISS_WIKI, 10, 5, &b);
  ASSERT(a.ci_low < a.kappa);
  ASSERT(a.kappa < a.ci_high);
  ASSERT(a.ci_low > -1.0);
  ASSERT(a.ci_high < 1.0);
  /* Ten subjects give a wide interval: the point of showing it. */
  ASSERT(a.ci_high - a.ci_low > 0.1);
  ASSERT(a.boot_used > SK_STATS_BOOT_RESAMPLES * 9 / 10);
  ASSERT(a.ci_low == b.ci_low);
  ASSERT(a.ci_high == b.ci_high);
  ASSERT_INT_EQ(a.boot_used, b.boot_used);
}

/* The bootstrap as first written: the draws replayed once for P-bar and
 * once per category. The single-pass code must give the same interval to
 * the last bit, since summaries must not change with it. */
static uint64_t ref_splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static size_t ref_draw(uint64_t *state, size_t n) {
  return (size_t)(ref_splitmix64(state) % (uint64_t)n);
}

static int ref_cmp(const void *a, const void *b) {
  double x = *(const double *)a;
  double y = *(const double *)b;
  return (x > y) - (x < y);
}

static double ref_quantile(const double *v, size_t m, double q) {
  double h = q * (double)(m - 1);
  size_t lo = (size_t)floor(h);
  if (lo + 1 >= m)
    return v[m - 1];
  return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

static void ref_bootstrap(const unsigned *counts, size_t subjects, size_t k,
                          double n, double *lo, double *hi, size_t *used) {
  static double boot[SK_STATS_BOOT_RESAMPLES];
  uint64_t state = SK_STATS_BOOT_SEED;
  double total = (double)subjects * n;
  int r;
  *used = 0;
  for (r = 0; r < SK_STATS_BOOT_RESAMPLES; r++) {
    uint64_t start = state;
    double p_bar = 0, pe_bar = 0;
    size_t i, j;
    int degenerate = 0;
    for (i = 0; i < subjects; i++) {
      const unsigned *row = counts + ref_draw(&state, subjects) * k;
      double sq = 0;
      for (j = 0; j < k; j++)
        sq += (double)row[j] * (double)row[j];
      p_bar += (sq - n) / (n * (n - 1.0));
    }
    p_bar /= (double)subjects;
    for (j = 0; j < k && !degenerate; j++) {
      double col = 0;
      uint64_t s = start;
      for (i = 0; i < subjects; i++)
        col += counts[ref_draw(&s, subjects) * k + j];
      if (col == total)
        degenerate = 1;
      pe_bar += (col / total) * (col / total);
    }
    if (!degenerate)
      boot[(*used)++] = (p_bar - pe_bar) / (1.0 - pe_bar);
  }
  if (*used == 0)
    return;
  qsort(boot, *used, sizeof(boot[0]), ref_cmp);
  *lo = ref_quantile(boot, *used, 0.025);
  *hi = ref_quantile(boot, *used, 0.975);
}

TEST(fleiss_bootstrap_matches_the_replaying_reference_bit_for_bit) {
  static const size_t KS[] = {2, 3, 8, 9, 17};
  static unsigned counts[60 * 17];
  uint64_t seed = 12345;
  size_t t;
  for (t = 0; t < sizeof(KS) / sizeof(KS[0]); t++) {
    size_t k = KS[t];
    size_t subjects = 7 + 13 * t;
    unsigned raters = 4;
    size_t i, j;
    struct sk_stats_fleiss f;
    double lo = 0, hi = 0;
    size_t used;
    for (i = 0; i < subjects; i++) {
      for (j = 0; j < k; j++)
        counts[i * k + j] = 0;
      for (j = 0; j < raters; j++)
        counts[i * k + ref_splitmix64(&seed) % (k > 2 && t % 2 ? 2 : k)]++;
    }
    ASSERT_INT_EQ(sk_stats_fleiss(counts, subjects, k, &f), SK_STATS_OK);
    ref_bootstrap(counts, subjects, k, raters, &lo, &hi, &used);
    ASSERT_INT_EQ(f.boot_used, used);
    ASSERT(used > 0);
    ASSERT(f.ci_low == lo);
    ASSERT(f.ci_high == hi);
  }
}

TEST(fleiss_full_agreement_across_categories_is_kappa_one) {
  /* Every rater agrees on each subject, and subjects differ: kappa = 1. */
  static const unsigned counts[] = {4, 0, 0, 4, 4, 0};
  struct sk_stats_fleiss f;
  ASSERT_INT_EQ(sk_stats_fleiss(counts, 3, 2, &f), SK_STATS_OK);
  ASSERT_NEAR(f.p_bar, 1.0, 1e-12);
  ASSERT_NEAR(f.kappa, 1.0, 1e-12);
  ASSERT_NEAR(f.ci_high, 1.0, 1e-12);
  ASSERT_FLEISS_FINITE(f);
}

TEST(fleiss_edge_cases_have_defined_statuses) {
  static const unsigned unequal[] = {3, 1, 2, 1};
  static const unsigned one_rater[] = {1, 0, 0, 1, 1, 0};
  static const unsigned one_subject[] = {2, 1};
  static const unsigned all_same[] = {0, 4, 0, 4, 0, 4};
  static const unsigned zero[] = {0, 0, 0, 0};
  struct sk_stats_fleiss f;

  ASSERT_INT_EQ(sk_stats_fleiss(NULL, 0, 2, &f), SK_STATS_EMPTY);
  ASSERT_FLEISS_FINITE(f);
  ASSERT_INT_EQ(sk_stats_fleiss(zero, 2, 2, &f), SK_STATS_EMPTY);
  ASSERT_FLEISS_FINITE(f);
  ASSERT_INT_EQ(sk_stats_fleiss(unequal, 2, 2, &f), SK_STATS_UNEQUAL_RATERS);
  ASSERT_NEAR(f.kappa, 0, 0);
  ASSERT_FLEISS_FINITE(f);
  ASSERT_INT_EQ(sk_stats_fleiss(one_rater, 3, 2, &f), SK_STATS_ONE_RATER);
  ASSERT_INT_EQ(f.raters, 1);
  ASSERT_FLEISS_FINITE(f);
  ASSERT_INT_EQ(sk_stats_fleiss(one_subject, 1, 2, &f), SK_STATS_ONE_SUBJECT);
  ASSERT_NEAR(f.p_bar, 2.0 / 6.0, 1e-12);
  ASSERT_NEAR(f.kappa, 0, 0);
  ASSERT_FLEISS_FINITE(f);
  /* Every rating in category 2: P-bar-e = 1 and kappa is 0/0. */
  ASSERT_INT_EQ(sk_stats_fleiss(all_same, 3, 2, &f),
                SK_STATS_PERFECT_AGREEMENT);
  ASSERT_NEAR(f.p_bar, 1.0, 0);
  ASSERT_NEAR(f.pe_bar, 1.0, 0);
  ASSERT_NEAR(f.kappa, 0, 0);
  ASSERT_NEAR(f.p_value, 1.0, 0);
  ASSERT_FLEISS_FINITE(f);
}

/* Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), the
 * example with missing data: 4 observers (A-D) x 12 units, values 1-5.
 * Published: nominal alpha = 0.743, interval alpha = 0.849. Transposed here
 * to one row per unit, one column per observer; N = missing. */
#define N NAN
static const double KRIPP[12 * 4] = {
    1, 1, N, 1, /* unit 1 */
    2, 2, 3, 2, /* 2 */
    3, 3, 3, 3, /* 3 */
    3, 3, 3, 3, /* 4 */
    2, 2, 2, 2, /* 5 */
    1, 2, 3, 4, /* 6 */
    4, 4, 4, 4, /* 7 */
    1, 1, 2, 1, /* 8 */
    2, 2, 2, 2, /* 9 */
    N, 5, 5, 5, /* 10 */
    N, N, 1, 1, /* 11 */
    N, 3, N, N, /* 12: one value, not pairable */
};

TEST(alpha_reproduces_krippendorffs_example) {
  struct sk_stats_alpha a;
  ASSERT_INT_EQ(sk_stats_alpha(KRIPP, 12, 4, SK_STATS_INTERVAL, &a),
                SK_STATS_OK);
  ASSERT_INT_EQ(a.units, 11);
  ASSERT_INT_EQ(a.values, 40);
  ASSERT_NEAR(a.alpha, 0.849, 0.0005);
  ASSERT_ALPHA_FINITE(a);
  ASSERT_INT_EQ(sk_stats_alpha(KRIPP, 12, 4, SK_STATS_NOMINAL, &a),
                SK_STATS_OK);
  ASSERT_NEAR(a.alpha, 0.743, 0.0005);
  ASSERT_INT_EQ(a.values, 40);
  ASSERT_ALPHA_FINITE(a);
}

TEST(alpha_edge_cases_have_defined_statuses) {
  static const double all_missing[] = {N, N, N, N};
  static const double with_inf[] = {1, 2, INFINITY, 3};
  static const double one_coder[] = {1, 2, 3};
  static const double unpaired[] = {1, N, N, 2, 3, N};
  static const double one_unit[] = {1, 2, N, N};
  static const double all_same[] = {70, 70, 70, N, 70, 70};
  struct sk_stats_alpha a;

  ASSERT_INT_EQ(sk_stats_alpha(NULL, 0, 0, SK_STATS_INTERVAL, &a),
                SK_STATS_EMPTY);
  ASSERT_ALPHA_FINITE(a);
  ASSERT_INT_EQ(sk_stats_alpha(all_missing, 2, 2, SK_STATS_INTERVAL, &a),
                SK_STATS_EMPTY);
  ASSERT_ALPHA_FINITE(a);
  ASSERT_INT_EQ(sk_stats_alpha(with_inf, 2, 2, SK_STATS_INTERVAL, &a),
                SK_STATS_INVALID);
  ASSERT_INT_EQ(a.values, 0);
  ASSERT_ALPHA_FINITE(a);
  ASSERT_INT_EQ(sk_stats_alpha(one_coder, 3, 1, SK_STATS_INTERVAL, &a),
                SK_STATS_ONE_RATER);
  ASSERT_ALPHA_FINITE(a);
  ASSERT_INT_EQ(sk_stats_alpha(unpaired, 3, 2, SK_STATS_NOMINAL, &a),
                SK_STATS_TOO_FEW);
  ASSERT_ALPHA_FINITE(a);
  ASSERT_INT_EQ(sk_stats_alpha(one_unit, 2, 2, SK_STATS_INTERVAL, &a),
                SK_STATS_ONE_SUBJECT);
  ASSERT_INT_EQ(a.units, 1);
  ASSERT_ALPHA_FINITE(a);
  ASSERT_INT_EQ(sk_stats_alpha(all_same, 3, 2, SK_STATS_INTERVAL, &a),
                SK_STATS_PERFECT_AGREEMENT);
  ASSERT_NEAR(a.alpha, 0, 0);
  ASSERT_ALPHA_FINITE(a);
  ASSERT_INT_EQ(sk_stats_alpha(all_same, 3, 2, SK_STATS_NOMINAL, &a),
                SK_STATS_PERFECT_AGREEMENT);
  ASSERT_ALPHA_FINITE(a);
}

TEST(alpha_overflowing_values_are_invalid_not_nan) {
  static const double huge[] = {1e300, -1e300, 1e300, -1e300};
  struct sk_stats_alpha a;
  ASSERT_INT_EQ(sk_stats_alpha(huge, 2, 2, SK_STATS_INTERVAL, &a),
                SK_STATS_INVALID);
  ASSERT_ALPHA_FINITE(a);
}
#undef N

/* Newcombe, "Two-sided confidence intervals for the single proportion:
 * comparison of seven methods", Statistics in Medicine 17 (1998): its
 * worked examples 81/263, 15/148, 0/20 and 1/29 with method 3 (Wilson
 * score, no continuity correction), to 4 decimals. */
TEST(wilson_reproduces_newcombes_table) {
  static const struct {
    unsigned long k, n;
    double low, high;
  } cases[] = {
      {81, 263, 0.2553, 0.3662},
      {15, 148, 0.0624, 0.1605},
      {0, 20, 0.0000, 0.1611},
      {1, 29, 0.0061, 0.1718},
  };
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct sk_stats_proportion p;
    ASSERT_INT_EQ(sk_stats_wilson(cases[i].k, cases[i].n, SK_STATS_Z95, &p),
                  SK_STATS_OK);
    ASSERT_NEAR(p.p, (double)cases[i].k / (double)cases[i].n, 1e-15);
    ASSERT_NEAR(p.low, cases[i].low, 0.00005);
    ASSERT_NEAR(p.high, cases[i].high, 0.00005);
  }
}

TEST(wilson_edges) {
  struct sk_stats_proportion p;
  ASSERT_INT_EQ(sk_stats_wilson(0, 0, SK_STATS_Z95, &p), SK_STATS_EMPTY);
  ASSERT_NEAR(p.p, 0, 0);
  ASSERT_NEAR(p.low, 0, 0);
  ASSERT_NEAR(p.high, 1, 0);
  ASSERT_INT_EQ(sk_stats_wilson(4, 3, SK_STATS_Z95, &p), SK_STATS_INVALID);
  ASSERT_NEAR(p.high, 1, 0);
  ASSERT_INT_EQ(sk_stats_wilson(1, 3, NAN, &p), SK_STATS_INVALID);
  ASSERT_INT_EQ(sk_stats_wilson(1, 3, 0.0, &p), SK_STATS_INVALID);
  /* All shipped: the upper bound is exactly 1, the lower one below it. */
  ASSERT_INT_EQ(sk_stats_wilson(3, 3, SK_STATS_Z95, &p), SK_STATS_OK);
  ASSERT_NEAR(p.high, 1.0, 0);
  ASSERT(p.low > 0.4 && p.low < 0.5);
}

TEST(describe_mean_and_sample_sd) {
  /* Mean 5; sum of squares 32, so the sample sd is sqrt(32 / 7). */
  static const double v[] = {2, 4, 4, NAN, 4, 5, 5, 7, 9};
  struct sk_stats_summary s;
  ASSERT_INT_EQ(sk_stats_describe(v, 9, &s), SK_STATS_OK);
  ASSERT_INT_EQ(s.n, 8);
  ASSERT_NEAR(s.mean, 5.0, 1e-12);
  ASSERT_NEAR(s.sd, sqrt(32.0 / 7.0), 1e-12);
  ASSERT_NEAR(s.min, 2, 0);
  ASSERT_NEAR(s.max, 9, 0);
}

TEST(describe_edges) {
  static const double one[] = {NAN, 42};
  static const double bad[] = {1, INFINITY};
  static const double flat[] = {7, 7, 7};
  static const double huge[] = {1e308, 1e308};
  struct sk_stats_summary s;
  ASSERT_INT_EQ(sk_stats_describe(NULL, 0, &s), SK_STATS_EMPTY);
  ASSERT_INT_EQ(sk_stats_describe(one, 1, &s), SK_STATS_EMPTY);
  ASSERT_INT_EQ(sk_stats_describe(one, 2, &s), SK_STATS_TOO_FEW);
  ASSERT_NEAR(s.mean, 42, 0);
  ASSERT_NEAR(s.sd, 0, 0);
  ASSERT_INT_EQ(sk_stats_describe(bad, 2, &s), SK_STATS_INVALID);
  ASSERT_INT_EQ(s.n, 0);
  ASSERT_INT_EQ(sk_stats_describe(flat, 3, &s), SK_STATS_OK);
  ASSERT_NEAR(s.sd, 0, 0);
  ASSERT_INT_EQ(sk_stats_describe(huge, 2, &s), SK_STATS_INVALID);
  ASSERT_FINITE(s.mean);
  ASSERT_FINITE(s.sd);
}

/* Student's t table, two-sided 5% critical values (any printed table, for
 * example Fisher and Yates' Statistical Tables): t = 12.706 (1 df), 2.571 (5),
 * 2.228 (10), 2.042 (30). F(t) must be 0.975 to the table's precision. */
TEST(t_cdf_matches_the_table) {
  ASSERT_NEAR(sk_stats_t_cdf(12.706, 1), 0.975, 0.0001);
  ASSERT_NEAR(sk_stats_t_cdf(2.571, 5), 0.975, 0.0001);
  ASSERT_NEAR(sk_stats_t_cdf(2.228, 10), 0.975, 0.0001);
  ASSERT_NEAR(sk_stats_t_cdf(2.042, 30), 0.975, 0.0001);
  ASSERT_NEAR(sk_stats_t_cdf(-2.228, 10), 0.025, 0.0001);
  ASSERT_NEAR(sk_stats_t_cdf(0, 7), 0.5, 1e-15);
  /* One degree of freedom is the Cauchy distribution: F(1) = 3/4. */
  ASSERT_NEAR(sk_stats_t_cdf(1, 1), 0.75, 1e-12);
  ASSERT_NEAR(sk_stats_t_cdf(INFINITY, 3), 1, 0);
  ASSERT(isnan(sk_stats_t_cdf(1, 0)));
}

TEST(normal_and_incomplete_beta_known_values) {
  ASSERT_NEAR(sk_stats_normal_cdf(0), 0.5, 1e-15);
  ASSERT_NEAR(sk_stats_normal_cdf(SK_STATS_Z95), 0.975, 1e-12);
  ASSERT_NEAR(sk_stats_normal_cdf(-1), 0.15865525393145707, 1e-14);
  ASSERT_NEAR(sk_stats_incbeta(1, 1, 0.3), 0.3, 1e-14);
  ASSERT_NEAR(sk_stats_incbeta(3, 1, 0.5), 0.125, 1e-14);
  ASSERT_NEAR(sk_stats_incbeta(7.5, 7.5, 0.5), 0.5, 1e-13);
  ASSERT_NEAR(sk_stats_incbeta(2, 3, 0), 0, 0);
  ASSERT_NEAR(sk_stats_incbeta(2, 3, 1), 1, 0);
  ASSERT(isnan(sk_stats_incbeta(0, 3, 0.5)));
}

/* R, example(t.test): the sleep data (Cushny and Peebles 1905, as in
 * Student 1908), t.test(extra ~ group, data = sleep) prints
 * t = -1.8608, df = 17.776, p-value = 0.07939. */
TEST(welch_reproduces_r_on_the_sleep_data) {
  static const double g1[] = {0.7, -1.6, -0.2, -1.2, -0.1,
                              3.4, 3.7,  0.8,  0.0,  2.0};
  static const double g2[] = {1.9, 0.8, 1.1, 0.1, -0.1,
                              4.4, 5.5, 1.6, 4.6, 3.4};
  struct sk_stats_ttest r;
  ASSERT_INT_EQ(sk_stats_welch(g1, 10, g2, 10, &r), SK_STATS_OK);
  ASSERT_NEAR(r.t, -1.8608, 0.00005);
  ASSERT_NEAR(r.df, 17.776, 0.0005);
  ASSERT_NEAR(r.p_value, 0.07939, 0.000005);
  ASSERT_NEAR(r.mean1, 0.75, 1e-12);
  ASSERT_NEAR(r.mean2, 2.33, 1e-12);
  ASSERT_NEAR(r.diff, -1.58, 1e-12);
}

TEST(welch_edges) {
  static const double one[] = {50};
  static const double flat_a[] = {60, 60, 60};
  static const double flat_b[] = {70, 70};
  static const double some[] = {10, 20, 30};
  static const double bad[] = {1, -INFINITY};
  static const double huge[] = {1e200, -1e200, 1e200};
  struct sk_stats_ttest r;

  ASSERT_INT_EQ(sk_stats_welch(NULL, 0, some, 3, &r), SK_STATS_EMPTY);
  ASSERT_NEAR(r.p_value, 1, 0);
  ASSERT_TTEST_FINITE(r);
  ASSERT_INT_EQ(sk_stats_welch(one, 1, some, 3, &r), SK_STATS_TOO_FEW);
  ASSERT_NEAR(r.diff, 30, 1e-12);
  ASSERT_TTEST_FINITE(r);
  ASSERT_INT_EQ(sk_stats_welch(flat_a, 3, flat_a, 3, &r), SK_STATS_NO_VARIANCE);
  ASSERT_NEAR(r.p_value, 1, 0);
  ASSERT_TTEST_FINITE(r);
  ASSERT_INT_EQ(sk_stats_welch(flat_a, 3, flat_b, 2, &r), SK_STATS_NO_VARIANCE);
  ASSERT_NEAR(r.p_value, 0, 0);
  ASSERT_TTEST_FINITE(r);
  /* One constant group is fine: df falls to the other group's n - 1. */
  ASSERT_INT_EQ(sk_stats_welch(flat_a, 3, some, 3, &r), SK_STATS_OK);
  ASSERT_NEAR(r.df, 2, 1e-12);
  ASSERT_TTEST_FINITE(r);
  ASSERT_INT_EQ(sk_stats_welch(bad, 2, some, 3, &r), SK_STATS_INVALID);
  ASSERT_TTEST_FINITE(r);
  ASSERT_INT_EQ(sk_stats_welch(huge, 3, some, 3, &r), SK_STATS_INVALID);
  ASSERT_TTEST_FINITE(r);
}

/* Fisher, The Design of Experiments (1935), the lady tasting tea: 8 cups,
 * 4 with milk first, she picks 4 and gets 3 right. The table [[3, 1],
 * [1, 3]] has two-sided p = 34/70 = 0.486. */
TEST(fisher_reproduces_the_tea_tasting) {
  ASSERT_NEAR(sk_stats_fisher_exact(3, 1, 1, 3), 34.0 / 70.0, 1e-9);
  /* All four right: only 1 table in 70 is as extreme on each side. */
  ASSERT_NEAR(sk_stats_fisher_exact(4, 0, 0, 4), 2.0 / 70.0, 1e-9);
  ASSERT_NEAR(sk_stats_fisher_exact(0, 0, 0, 0), 1.0, 0);
}

TEST(two_proportions_small_counts_use_fisher) {
  struct sk_stats_ptest t;
  /* The tea table as ship rates: 3 of 4 against 1 of 4. */
  ASSERT_INT_EQ(sk_stats_two_proportions(3, 4, 1, 4, &t), SK_STATS_OK);
  ASSERT_INT_EQ(t.method, SK_STATS_FISHER);
  ASSERT_NEAR(t.p_value, 34.0 / 70.0, 1e-9);
  ASSERT_NEAR(t.diff, 0.5, 1e-15);
  ASSERT_NEAR(t.z, 0, 0);
}

TEST(two_proportions_large_counts_use_the_z_test) {
  struct sk_stats_ptest t;
  double pooled = 105.0 / 200.0;
  double z = -0.15 / sqrt(pooled * (1 - pooled) * (2.0 / 100.0));
  /* 45 of 100 against 60 of 100: every expected cell is 47.5 or more. */
  ASSERT_INT_EQ(sk_stats_two_proportions(45, 100, 60, 100, &t), SK_STATS_OK);
  ASSERT_INT_EQ(t.method, SK_STATS_ZTEST);
  ASSERT_NEAR(t.z, z, 1e-12);
  ASSERT_NEAR(t.z, -2.1240, 0.00005);
  /* 2 (1 - Phi(2.124)) = 0.0337 from a normal table. */
  ASSERT_NEAR(t.p_value, 0.0337, 0.00005);
}

TEST(two_proportions_edges) {
  struct sk_stats_ptest t;
  ASSERT_INT_EQ(sk_stats_two_proportions(1, 0, 1, 2, &t), SK_STATS_INVALID);
  ASSERT_NEAR(t.p_value, 1, 0);
  ASSERT_INT_EQ(sk_stats_two_proportions(0, 0, 1, 2, &t), SK_STATS_EMPTY);
  ASSERT_NEAR(t.p_value, 1, 0);
  ASSERT_INT_EQ(sk_stats_two_proportions(5, 5, 9, 9, &t), SK_STATS_NO_VARIANCE);
  ASSERT_NEAR(t.p_value, 1, 0);
  ASSERT_NEAR(t.diff, 0, 0);
  ASSERT_INT_EQ(sk_stats_two_proportions(0, 5, 0, 9, &t), SK_STATS_NO_VARIANCE);
  /* A flip from all ship to all skip on 4 tools: Fisher, p = 2/70. */
  ASSERT_INT_EQ(sk_stats_two_proportions(4, 4, 0, 4, &t), SK_STATS_OK);
  ASSERT_INT_EQ(t.method, SK_STATS_FISHER);
  ASSERT_NEAR(t.p_value, 2.0 / 70.0, 1e-9);
}

TEST(every_status_is_explained_and_named) {
  int s;
  for (s = 0; s < SK_STATS__STATUS_END; s++) {
    ASSERT(strlen(sk_stats_explain((enum sk_stats_status)s)) > 5);
    ASSERT(strlen(sk_stats_status_name((enum sk_stats_status)s)) > 1);
  }
  ASSERT_STR_EQ(sk_stats_status_name(SK_STATS_PERFECT_AGREEMENT),
                "perfect_agreement");
  ASSERT_CONTAINS(sk_stats_explain(SK_STATS_PERFECT_AGREEMENT),
                  "perfect agreement");
  ASSERT_STR_EQ(sk_stats_explain(SK_STATS__STATUS_END), "unknown status");
  ASSERT_STR_EQ(sk_stats_status_name(SK_STATS__STATUS_END), "unknown");
}

int main(void) {
  RUN(fleiss_reproduces_the_published_example);
  RUN(fleiss_bootstrap_interval_is_deterministic_and_brackets_kappa);
  RUN(fleiss_bootstrap_matches_the_replaying_reference_bit_for_bit);
  RUN(fleiss_full_agreement_across_categories_is_kappa_one);
  RUN(fleiss_edge_cases_have_defined_statuses);
  RUN(alpha_reproduces_krippendorffs_example);
  RUN(alpha_edge_cases_have_defined_statuses);
  RUN(alpha_overflowing_values_are_invalid_not_nan);
  RUN(wilson_reproduces_newcombes_table);
  RUN(wilson_edges);
  RUN(describe_mean_and_sample_sd);
  RUN(describe_edges);
  RUN(t_cdf_matches_the_table);
  RUN(normal_and_incomplete_beta_known_values);
  RUN(welch_reproduces_r_on_the_sleep_data);
  RUN(welch_edges);
  RUN(fisher_reproduces_the_tea_tasting);
  RUN(two_proportions_small_counts_use_fisher);
  RUN(two_proportions_large_counts_use_the_z_test);
  RUN(two_proportions_edges);
  RUN(every_status_is_explained_and_named);
  return TEST_REPORT();
}
