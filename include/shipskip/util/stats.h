/* stats.h: the statistics behind the panel figures: agreement between
 * raters (Fleiss' kappa, Krippendorff's alpha), a proportion with its Wilson
 * interval, mean and spread, and the two drift tests (a change of ship rate,
 * a change of mean score), with the distribution functions they need.
 *
 * Pure arithmetic on arrays the caller owns: nothing is allocated, nothing
 * is printed, and the module knows nothing of tools, personas or reviews.
 * The caller maps its data onto "subjects" (tools) and "raters" (personas,
 * or repeats of one persona).
 *
 * Every function fills a result struct and returns its status. A status
 * other than SK_STATS_OK is a defined answer, not a failure: one rater, one
 * tool, perfect agreement, no variance, empty input. In that case the
 * statistic itself is set to 0 (never NaN or infinity) and must not be shown
 * as a number: a page shows sk_stats_explain(status) instead, and JSON
 * carries sk_stats_status_name(status). The counts and every field listed as
 * "always set" are valid whatever the status. No result struct ever holds a
 * NaN or an infinity, whatever the input.
 *
 * docs/PANEL-STATS.md explains each figure for editors, with the formulas
 * and the published examples the tests reproduce.
 */
#ifndef SHIPSKIP_STATS_H
#define SHIPSKIP_STATS_H

#include <stddef.h>

/* The statuses: X(NAME, token for JSON, explanation for editors). */
#define SK_STATS_STATUS_MAP(X)                                                 \
  X(OK, "ok", "computed from the data")                                        \
  X(EMPTY, "empty", "no data: there is nothing to compute from")               \
  X(ONE_SUBJECT, "one_subject",                                                \
    "only one tool was rated: agreement needs at least two tools to compare")  \
  X(ONE_RATER, "one_rater",                                                    \
    "only one rater: agreement needs at least two ratings of each tool")       \
  X(PERFECT_AGREEMENT, "perfect_agreement",                                    \
    "perfect agreement, statistic undefined: every rating is the same, so "    \
    "there is no variation to agree or disagree about")                        \
  X(NO_VARIANCE, "no_variance",                                                \
    "no variance: every value is the same, so there is no spread to test "     \
    "against")                                                                 \
  X(TOO_FEW, "too_few",                                                        \
    "too few values: at least two are needed (for agreement, two ratings "     \
    "of the same tool)")                                                       \
  X(UNEQUAL_RATERS, "unequal_raters",                                          \
    "the number of ratings differs between tools: Fleiss' kappa needs the "    \
    "same number for every tool; Krippendorff's alpha allows missing "         \
    "ratings")                                                                 \
  X(INVALID, "invalid",                                                        \
    "invalid input: a count larger than its total, or a value that is not "    \
    "a finite number")

enum sk_stats_status {
#define SK_STATS_STATUS_ENUM(name, token, text) SK_STATS_##name,
  SK_STATS_STATUS_MAP(SK_STATS_STATUS_ENUM)
#undef SK_STATS_STATUS_ENUM
      SK_STATS__STATUS_END
};

/* Returns a static one-line explanation of status for editors ("perfect
 * agreement, statistic undefined: ..."), or "unknown status". */
const char *sk_stats_explain(enum sk_stats_status status);

/* Returns status's stable lowercase token for JSON ("perfect_agreement"), or
 * "unknown". */
const char *sk_stats_status_name(enum sk_stats_status status);

/* The normal quantile for a two-sided 95% interval. */
#define SK_STATS_Z95 1.959963984540054

/* Bootstrap of Fleiss' kappa: resamples and seed. Fixed, so the interval is
 * the same on every run and every machine (splitmix64, no libc rand()). */
#define SK_STATS_BOOT_RESAMPLES 2000
#define SK_STATS_BOOT_SEED 0x53484950534b4950ULL /* "SHIPSKIP" */

/* ---- Agreement on categories: Fleiss' kappa ---- */

struct sk_stats_fleiss {
  enum sk_stats_status status;
  size_t subjects;      /* N, always set */
  size_t categories;    /* k, always set */
  unsigned long raters; /* n, ratings per subject; set unless EMPTY or
                           UNEQUAL_RATERS */
  double p_bar;         /* P-bar: mean observed agreement, 0..1 */
  double pe_bar;        /* P-bar-e: agreement expected by chance, 0..1 */
  double kappa;         /* (P-bar - P-bar-e) / (1 - P-bar-e); 0 unless OK */
  double se0;           /* standard error under kappa = 0 (Fleiss, Nee and
                           Landis 1979), for the test only */
  double z;             /* kappa / se0 */
  double p_value;       /* two-sided p of kappa = 0; 1 unless OK */
  double ci_low;        /* 95% bootstrap percentile interval of kappa */
  double ci_high;       /* (resampling subjects); kappa..kappa unless OK */
  unsigned boot_used;   /* resamples where kappa was defined */
};

/* Fleiss' kappa for N = subjects rated by n raters each into k =
 * categories. counts is row-major, subjects x categories: counts[i * k + j]
 * is how many raters put subject i in category j. Every row must sum to the
 * same n (Fleiss 1971 assumes it; we do not use an ad hoc generalisation):
 * rows that differ give SK_STATS_UNEQUAL_RATERS, and the caller should
 * report Krippendorff's alpha (nominal), which handles missing ratings.
 *
 * Statuses, checked in this order: EMPTY (no subject, no category, counts
 * NULL, or n = 0), UNEQUAL_RATERS, ONE_RATER (n = 1), ONE_SUBJECT (N = 1),
 * PERFECT_AGREEMENT (every rating in one category: P-bar-e = 1, kappa is
 * 0/0), else OK. p_bar and pe_bar are set for ONE_SUBJECT and
 * PERFECT_AGREEMENT too.
 *
 * The test of kappa = 0 uses the large-sample standard error under the null
 * hypothesis; that error is not valid away from 0, so the interval comes
 * from a deterministic bootstrap instead (SK_STATS_BOOT_RESAMPLES resamples
 * of the subjects with SK_STATS_BOOT_SEED; resamples where every rating
 * falls in one category are left out and not counted in boot_used). With
 * few subjects the interval is wide, as it should be. Cost: about
 * SK_STATS_BOOT_RESAMPLES * N draws, each feeding P-bar and up to 8 of the k
 * column sums (one pass for k <= 8). Returns out->status. */
enum sk_stats_status sk_stats_fleiss(const unsigned *counts, size_t subjects,
                                     size_t categories,
                                     struct sk_stats_fleiss *out);

/* ---- Agreement on values: Krippendorff's alpha ---- */

enum sk_stats_metric {
  SK_STATS_NOMINAL,  /* values are labels: equal or not */
  SK_STATS_INTERVAL, /* values are numbers: squared difference */
};

struct sk_stats_alpha {
  enum sk_stats_status status;
  size_t units;  /* pairable units (two values or more); always set, 0 when
                    EMPTY or INVALID */
  size_t values; /* n: pairable values; as units */
  double d_o;    /* observed disagreement */
  double d_e;    /* disagreement expected by chance */
  double alpha;  /* 1 - d_o / d_e; 0 unless OK */
};

/* Krippendorff's alpha from a units x coders matrix, row-major:
 * data[u * coders + c] is coder c's value for unit u (one row per tool, one
 * column per persona), NaN where the coder gave none. Units with fewer than
 * two values cannot be paired and are left out, as Krippendorff prescribes.
 * Computed with the coincidence-matrix definitions: D_o sums, over pairable
 * units, the disagreements of every ordered pair of values divided by
 * (m_u - 1); D_e sums the disagreements of every ordered pair of the n
 * pairable values divided by (n - 1); each is divided by n. The metric is
 * (a - b)^2 for INTERVAL and [a != b] for NOMINAL.
 *
 * Statuses, in this order: EMPTY (no unit or coder, data NULL, or every
 * value missing), INVALID (an infinite value, or values so large that the
 * squared differences overflow), ONE_RATER (one coder),
 * TOO_FEW (no unit has two values), ONE_SUBJECT (one pairable unit: alpha is
 * 0 by construction, meaningless), PERFECT_AGREEMENT (every pairable value
 * is the same: D_e = 0), else OK. NOMINAL costs O(n^2) comparisons (no
 * allocation); INTERVAL is O(n). Returns out->status. */
enum sk_stats_status sk_stats_alpha(const double *data, size_t units,
                                    size_t coders, enum sk_stats_metric metric,
                                    struct sk_stats_alpha *out);

/* ---- One sample ---- */

struct sk_stats_proportion {
  enum sk_stats_status status;
  unsigned long k; /* successes (tools shipped), always set */
  unsigned long n; /* trials (tools rated), always set */
  double p;        /* k / n; 0 when n = 0 */
  double low;      /* Wilson score interval, within [0, 1]; */
  double high;     /* 0..1 when n = 0 (nothing is known) */
};

/* The proportion k of n with its Wilson score interval (Wilson 1927; no
 * continuity correction) for the normal quantile z (SK_STATS_Z95 for 95%).
 * Unlike p +- z * SE, the interval stays inside [0, 1] and is not empty at
 * k = 0 or k = n, which matters for a persona that shipped 0 of 3 tools.
 * Statuses: INVALID (k > n, or z not a finite positive number: p, low,
 * high are 0, 0, 1), EMPTY (n = 0: p = 0, interval 0..1), else OK. Returns
 * out->status. */
enum sk_stats_status sk_stats_wilson(unsigned long k, unsigned long n, double z,
                                     struct sk_stats_proportion *out);

struct sk_stats_summary {
  enum sk_stats_status status;
  size_t n;    /* values used (NaN values are missing and skipped) */
  double mean; /* 0 when n = 0 */
  double sd;   /* sample standard deviation (n - 1); 0 when n < 2 */
  double min;  /* 0 when n = 0 */
  double max;  /* 0 when n = 0 */
};

/* Mean, sample standard deviation (two-pass, divided by n - 1), minimum and
 * maximum of the n values at v, skipping NaN (missing). Statuses: INVALID
 * (an infinite value; nothing else is set but n = 0), EMPTY (no value),
 * TOO_FEW (one value: mean, min, max set, sd 0), else OK (sd 0 is a valid
 * answer when every value is equal). Returns out->status. */
enum sk_stats_status sk_stats_describe(const double *v, size_t n,
                                       struct sk_stats_summary *out);

/* ---- Drift tests: did something change between two runs? ---- */

enum sk_stats_ptest_method {
  SK_STATS_FISHER, /* Fisher's exact test, two-sided */
  SK_STATS_ZTEST,  /* two-proportion z-test, pooled, no continuity corr. */
};

struct sk_stats_ptest {
  enum sk_stats_status status;
  enum sk_stats_ptest_method method;
  double p1;      /* k1 / n1 */
  double p2;      /* k2 / n2 */
  double diff;    /* p1 - p2 */
  double z;       /* the z statistic (ZTEST only; 0 for FISHER) */
  double p_value; /* two-sided; 1 unless OK */
};

/* Tests whether the proportions k1 of n1 (say, the baseline's ship rate)
 * and k2 of n2 (this run's) differ more than chance explains. The rule:
 * Fisher's exact test when any expected cell count of the 2x2 table is
 * below 5 (Cochran's rule; the normal approximation is poor there), the
 * pooled two-proportion z-test otherwise. Statuses: INVALID (k1 > n1 or
 * k2 > n2), EMPTY (n1 or n2 is 0), NO_VARIANCE (both runs all successes or
 * all failures: nothing can differ; p_value 1, method FISHER), else OK.
 * Returns out->status. */
enum sk_stats_status
sk_stats_two_proportions(unsigned long k1, unsigned long n1, unsigned long k2,
                         unsigned long n2, struct sk_stats_ptest *out);

/* Fisher's exact test on the 2x2 table [[a, b], [c, d]]: returns the
 * two-sided p-value, the total probability of the tables with the same
 * margins that are no more likely than this one (with a relative tolerance
 * of 1e-7 for ties, as R's fisher.test). An all-zero table gives 1. Cost is
 * linear in the smallest margin. */
double sk_stats_fisher_exact(unsigned long a, unsigned long b, unsigned long c,
                             unsigned long d);

struct sk_stats_ttest {
  enum sk_stats_status status;
  size_t n1;    /* values used from a (NaN skipped), always set */
  size_t n2;    /* values used from b, always set */
  double mean1; /* set unless EMPTY/INVALID */
  double mean2;
  double diff;    /* mean1 - mean2 */
  double t;       /* diff / sqrt(s1^2/n1 + s2^2/n2); 0 unless OK */
  double df;      /* Welch-Satterthwaite degrees of freedom; 0 unless OK */
  double p_value; /* two-sided; 1 unless OK, see NO_VARIANCE */
};

/* Welch's t-test (unequal variances) of the means of a and b (say, a
 * persona's scores in the baseline and in this run), NaN values skipped;
 * t and diff are mean(a) - mean(b) as in R's t.test(a, b). Statuses, in
 * order: INVALID (an infinite value, or values so large the variances
 * overflow), EMPTY (a group has no value), TOO_FEW
 * (a group has one value), NO_VARIANCE (both groups constant: p_value is 1
 * when the means are equal and 0 when they differ, since then the change is
 * certain), else OK. Returns out->status. */
enum sk_stats_status sk_stats_welch(const double *a, size_t na, const double *b,
                                    size_t nb, struct sk_stats_ttest *out);

/* ---- Distribution functions ---- */

/* The standard normal distribution function, 0.5 * erfc(-x / sqrt 2).
 * Returns 0..1; NaN only for a NaN x. */
double sk_stats_normal_cdf(double x);

/* The regularised incomplete beta function I_x(a, b), by its continued
 * fraction (modified Lentz) with log-gamma from lgamma(). Returns 0 for
 * x <= 0, 1 for x >= 1; NaN when a or b is not positive and finite. */
double sk_stats_incbeta(double a, double b, double x);

/* Student's t distribution function with df > 0 degrees of freedom (df need
 * not be an integer): P(T <= t), from I_{df / (df + t^2)}(df / 2, 1 / 2).
 * Returns 0..1; NaN when df is not positive and finite, or t is NaN. */
double sk_stats_t_cdf(double t, double df);

#endif
