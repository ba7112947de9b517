/* stats.c: agreement statistics, proportions, drift tests and the
 * distribution functions under them (see stats.h). Everything here is pure
 * arithmetic on the caller's arrays, with no allocation, so the results are
 * the same on every run: even the bootstrap draws from a fixed-seed
 * generator of its own. Each function decides its edge cases first and
 * only then divides, so no NaN or infinity can reach a result struct. */
#include "shipskip/util/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *sk_stats_explain(enum sk_stats_status status) {
  switch (status) {
#define SK_STATS_STATUS_TEXT(name, token, text)                                \
  case SK_STATS_##name:                                                        \
    return text;
    SK_STATS_STATUS_MAP(SK_STATS_STATUS_TEXT)
#undef SK_STATS_STATUS_TEXT
  default:
    return "unknown status";
  }
}

const char *sk_stats_status_name(enum sk_stats_status status) {
  switch (status) {
#define SK_STATS_STATUS_TOKEN(name, token, text)                               \
  case SK_STATS_##name:                                                        \
    return token;
    SK_STATS_STATUS_MAP(SK_STATS_STATUS_TOKEN)
#undef SK_STATS_STATUS_TOKEN
  default:
    return "unknown";
  }
}

/* ---- Distribution functions ---- */

double sk_stats_normal_cdf(double x) {
  return 0.5 * erfc(-x / sqrt(2.0));
}

/* Two-sided normal p-value of z, computed from the tail so that a large |z|
 * keeps its precision instead of becoming 1 - 1. */
static double normal_two_sided(double z) {
  return erfc(fabs(z) / sqrt(2.0));
}

/* The continued fraction of the incomplete beta function (Numerical Recipes
 * betacf, modified Lentz). It converges quickly for x < (a + 1) / (a + b +
 * 2); the caller uses the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) otherwise.
 */
static double beta_cf(double a, double b, double x) {
  const double tiny = 1e-300;
  double qab = a + b;
  double qap = a + 1.0;
  double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  double h;
  int m;

  if (fabs(d) < tiny)
    d = tiny;
  d = 1.0 / d;
  h = d;
  for (m = 1; m <= 1000; m++) {
    double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    double del;
    /* The even step of the fraction. */
    d = 1.0 + aa * d;
    if (fabs(d) < tiny)
      d = tiny;
    c = 1.0 + aa / c;
    if (fabs(c) < tiny)
      c = tiny;
    d = 1.0 / d;
    h *= d * c;
    /* The odd step. */
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (fabs(d) < tiny)
      d = tiny;
    c = 1.0 + aa / c;
    if (fabs(c) < tiny)
      c = tiny;
    d = 1.0 / d;
    del = d * c;
    h *= del;
    if (fabs(del - 1.0) < 1e-15)
      break;
  }
  return h;
}

double sk_stats_incbeta(double a, double b, double x) {
  double front;

  if (!(a > 0) || !(b > 0) || !isfinite(a) || !isfinite(b) || isnan(x))
    return NAN;
  if (x <= 0)
    return 0.0;
  if (x >= 1)
    return 1.0;
  /* x^a (1-x)^b / B(a, b), in logs so large a and b do not overflow. */
  front =
      exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
  if (x < (a + 1.0) / (a + b + 2.0))
    return front * beta_cf(a, b, x) / a;
  return 1.0 - front * beta_cf(b, a, 1.0 - x) / b;
}

/* Two-sided p-value of Student's t with df degrees of freedom: I_x(df/2,
 * 1/2) with x = df / (df + t^2), which is the tail area directly (no 1 - F
 * cancellation for large t). */
static double t_two_sided(double t, double df) {
  return sk_stats_incbeta(df / 2.0, 0.5, df / (df + t * t));
}

double sk_stats_t_cdf(double t, double df) {
  double tail;

  if (!(df > 0) || !isfinite(df) || isnan(t))
    return NAN;
  if (isinf(t))
    return t > 0 ? 1.0 : 0.0;
  tail = 0.5 * t_two_sided(t, df);
  return t > 0 ? 1.0 - tail : tail;
}

/* ---- Fleiss' kappa ---- */

/* splitmix64 (Steele, Lea and Flood 2014): a small generator with a fixed
 * seed, so the bootstrap gives the same interval everywhere. */
static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* A subject index drawn uniformly from 0..n-1. The modulo bias is below
 * n / 2^64, far under anything a bootstrap can see. */
static size_t draw(uint64_t *state, size_t n) {
  return (size_t)(splitmix64(state) % (uint64_t)n);
}

/* P_i of one subject: the share of agreeing ordered rater pairs,
 * (sum_j n_ij^2 - n) / (n (n - 1)). */
static double subject_agreement(const unsigned *row, size_t k, double n) {
  double sq = 0;
  size_t j;
  for (j = 0; j < k; j++)
    sq += (double)row[j] * (double)row[j];
  return (sq - n) / (n * (n - 1.0));
}

/* Categories counted per pass over the draws of a resample. */
#define RESAMPLE_CHUNK 8

/* Kappa of the subjects picked by the draws that follow *state. Each draw
 * feeds P-bar and up to RESAMPLE_CHUNK column sums at once; more categories
 * replay the same draws once per chunk, which avoids storing them (a draw's
 * modulo is the cost here: the panel's two categories take one pass, not
 * three). Returns 0 and sets *kappa, or -1 when every rating fell in one
 * category (P-bar-e is 1 and kappa is undefined for this resample). */
static int resample_kappa(const unsigned *counts, size_t subjects, size_t k,
                          double n, uint64_t *state, double *kappa) {
  uint64_t start = *state;
  double total = (double)subjects * n;
  double p_bar = 0;
  double pe_bar = 0;
  size_t j0;
  size_t i;
  size_t j;

  for (j0 = 0; j0 < k; j0 += RESAMPLE_CHUNK) {
    double col[RESAMPLE_CHUNK] = {0};
    size_t m = k - j0 < RESAMPLE_CHUNK ? k - j0 : RESAMPLE_CHUNK;
    uint64_t s = start;
    for (i = 0; i < subjects; i++) {
      const unsigned *row = counts + draw(&s, subjects) * k;
      if (j0 == 0)
        p_bar += subject_agreement(row, k, n);
      for (j = 0; j < m; j++)
        col[j] += row[j0 + j];
    }
    if (j0 == 0)
      *state = s; /* the next resample starts after these draws */
    for (j = 0; j < m; j++) {
      if (col[j] == total)
        return -1;
      pe_bar += (col[j] / total) * (col[j] / total);
    }
  }
  p_bar /= (double)subjects;
  *kappa = (p_bar - pe_bar) / (1.0 - pe_bar);
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a;
  double y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The q-quantile of m sorted values, interpolating linearly between
 * neighbours (R's type 7). */
static double quantile(const double *v, size_t m, double q) {
  double h = q * (double)(m - 1);
  size_t lo = (size_t)floor(h);
  if (lo + 1 >= m)
    return v[m - 1];
  return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

/* The 95% percentile interval of kappa over SK_STATS_BOOT_RESAMPLES
 * resamples of the subjects. */
static void fleiss_bootstrap(const unsigned *counts, size_t subjects, size_t k,
                             double n, struct sk_stats_fleiss *out) {
  double boot[SK_STATS_BOOT_RESAMPLES]; /* 16 KB: fits any stack */
  uint64_t state = SK_STATS_BOOT_SEED;
  size_t used = 0;
  int r;

  for (r = 0; r < SK_STATS_BOOT_RESAMPLES; r++) {
    double kappa;
    if (resample_kappa(counts, subjects, k, n, &state, &kappa) == 0)
      boot[used++] = kappa;
  }
  out->boot_used = (unsigned)used;
  if (used == 0)
    return;
  qsort(boot, used, sizeof(boot[0]), cmp_double);
  out->ci_low = quantile(boot, used, 0.025);
  out->ci_high = quantile(boot, used, 0.975);
}

/* Checks the count matrix: sets out->raters and returns OK, EMPTY or
 * UNEQUAL_RATERS. */
static enum sk_stats_status fleiss_check(const unsigned *counts,
                                         size_t subjects, size_t k,
                                         struct sk_stats_fleiss *out) {
  unsigned long long first = 0;
  size_t i;
  size_t j;

  if (counts == NULL || subjects == 0 || k == 0)
    return SK_STATS_EMPTY;
  for (i = 0; i < subjects; i++) {
    unsigned long long row = 0;
    for (j = 0; j < k; j++)
      row += counts[i * k + j];
    if (i == 0)
      first = row;
    else if (row != first)
      return SK_STATS_UNEQUAL_RATERS;
  }
  if (first == 0)
    return SK_STATS_EMPTY;
  out->raters = (unsigned long)first;
  return SK_STATS_OK;
}

/* Fleiss, Nee and Landis (1979): the standard error of kappa when its true
 * value is 0, from the category shares p_j (q_j = 1 - p_j):
 * sqrt(2) / (sum p_j q_j sqrt(N n (n-1))) *
 * sqrt((sum p_j q_j)^2 - sum p_j q_j (q_j - p_j)). */
static double fleiss_se0(const unsigned *counts, size_t subjects, size_t k,
                         double n) {
  double total = (double)subjects * n;
  double spq = 0;
  double spqqp = 0;
  size_t i;
  size_t j;

  for (j = 0; j < k; j++) {
    double col = 0;
    double p;
    for (i = 0; i < subjects; i++)
      col += counts[i * k + j];
    p = col / total;
    spq += p * (1.0 - p);
    spqqp += p * (1.0 - p) * ((1.0 - p) - p);
  }
  return sqrt(2.0) / (spq * sqrt(total * (n - 1.0))) *
         sqrt(fmax(spq * spq - spqqp, 0.0));
}

enum sk_stats_status sk_stats_fleiss(const unsigned *counts, size_t subjects,
                                     size_t categories,
                                     struct sk_stats_fleiss *out) {
  size_t k = categories;
  double n;
  double total;
  int one_category = 0;
  size_t i;
  size_t j;

  memset(out, 0, sizeof(*out));
  out->subjects = subjects;
  out->categories = categories;
  out->p_value = 1.0;
  out->status = fleiss_check(counts, subjects, k, out);
  if (out->status != SK_STATS_OK)
    return out->status;
  if (out->raters == 1)
    return out->status = SK_STATS_ONE_RATER;
  n = (double)out->raters;
  total = (double)subjects * n;
  for (i = 0; i < subjects; i++)
    out->p_bar += subject_agreement(counts + i * k, k, n);
  out->p_bar /= (double)subjects;
  for (j = 0; j < k; j++) {
    double col = 0;
    for (i = 0; i < subjects; i++)
      col += counts[i * k + j];
    one_category |= col == total;
    out->pe_bar += (col / total) * (col / total);
  }
  if (subjects == 1)
    return out->status = SK_STATS_ONE_SUBJECT;
  /* Decided on the integer counts, not on pe_bar == 1.0, which rounding
   * could miss. */
  if (one_category) {
    out->pe_bar = 1.0;
    return out->status = SK_STATS_PERFECT_AGREEMENT;
  }
  out->kappa = (out->p_bar - out->pe_bar) / (1.0 - out->pe_bar);
  out->se0 = fleiss_se0(counts, subjects, k, n);
  if (out->se0 > 0) {
    out->z = out->kappa / out->se0;
    out->p_value = normal_two_sided(out->z);
  }
  out->ci_low = out->kappa;
  out->ci_high = out->kappa;
  fleiss_bootstrap(counts, subjects, k, n, out);
  return out->status;
}

/* ---- Krippendorff's alpha ---- */

/* How many values unit u holds (non-NaN cells in its row). */
static size_t unit_values(const double *row, size_t coders) {
  size_t m = 0;
  size_t c;
  for (c = 0; c < coders; c++)
    m += !isnan(row[c]);
  return m;
}

/* The disagreement of the ordered pairs of distinct cells among the
 * non-missing values of row: sum over i != j of delta(v_i, v_j). For the
 * interval metric this is 2 m sum (v - mean)^2, computed in two passes. */
static double row_disagreement(const double *row, size_t coders,
                               enum sk_stats_metric metric) {
  double sum = 0;
  size_t m = 0;
  size_t i;
  size_t j;

  if (metric == SK_STATS_NOMINAL) {
    for (i = 0; i < coders; i++)
      for (j = 0; j < coders; j++)
        if (i != j && !isnan(row[i]) && !isnan(row[j]) && row[i] != row[j])
          sum += 1.0;
    return sum;
  }
  for (i = 0; i < coders; i++)
    if (!isnan(row[i])) {
      sum += row[i];
      m++;
    }
  if (m < 2)
    return 0.0;
  {
    double mean = sum / (double)m;
    double ss = 0;
    for (i = 0; i < coders; i++)
      if (!isnan(row[i]))
        ss += (row[i] - mean) * (row[i] - mean);
    return 2.0 * (double)m * ss;
  }
}

/* 1 when unit u has two values or more, so its values can be paired. */
static int pairable(const double *data, size_t coders, size_t u) {
  return unit_values(data + u * coders, coders) >= 2;
}

/* The nominal disagreement of all ordered pairs of distinct pairable cells:
 * how many pairs hold different values. */
static double pooled_nominal(const double *data, size_t units, size_t coders) {
  double sum = 0;
  size_t ua;
  size_t ub;
  size_t ca;
  size_t cb;

  for (ua = 0; ua < units; ua++) {
    if (!pairable(data, coders, ua))
      continue;
    for (ub = 0; ub < units; ub++) {
      if (!pairable(data, coders, ub))
        continue;
      for (ca = 0; ca < coders; ca++)
        for (cb = 0; cb < coders; cb++) {
          double a = data[ua * coders + ca];
          double b = data[ub * coders + cb];
          /* A cell is never paired with itself; NaN != x is true, so
           * missing cells are excluded explicitly. */
          if (!isnan(a) && !isnan(b) && a != b)
            sum += 1.0;
        }
    }
  }
  return sum;
}

/* The disagreement of all ordered pairs of the n pairable values (values of
 * units with two or more), the numerator of D_e. */
static double pooled_disagreement(const double *data, size_t units,
                                  size_t coders, enum sk_stats_metric metric,
                                  double n) {
  double sum = 0;
  double ss = 0;
  double mean;
  size_t u;
  size_t c;

  if (metric == SK_STATS_NOMINAL)
    return pooled_nominal(data, units, coders);
  /* Interval: sum over i != j of (v_i - v_j)^2 = 2 n sum (v - mean)^2. */
  for (u = 0; u < units; u++)
    for (c = 0; pairable(data, coders, u) && c < coders; c++)
      if (!isnan(data[u * coders + c]))
        sum += data[u * coders + c];
  mean = sum / n;
  for (u = 0; u < units; u++)
    for (c = 0; pairable(data, coders, u) && c < coders; c++)
      if (!isnan(data[u * coders + c]))
        ss += (data[u * coders + c] - mean) * (data[u * coders + c] - mean);
  return 2.0 * n * ss;
}

/* Checks the matrix and counts pairable units and values into out. Returns
 * OK or the status that ends the computation. */
static enum sk_stats_status alpha_check(const double *data, size_t units,
                                        size_t coders,
                                        struct sk_stats_alpha *out) {
  size_t present = 0;
  size_t u;
  size_t c;

  if (data == NULL || units == 0 || coders == 0)
    return SK_STATS_EMPTY;
  for (u = 0; u < units; u++) {
    size_t m;
    for (c = 0; c < coders; c++)
      if (isinf(data[u * coders + c]))
        return SK_STATS_INVALID;
    m = unit_values(data + u * coders, coders);
    present += m;
    if (m >= 2) {
      out->units++;
      out->values += m;
    }
  }
  if (present == 0)
    return SK_STATS_EMPTY;
  if (coders == 1)
    return SK_STATS_ONE_RATER;
  if (out->units == 0)
    return SK_STATS_TOO_FEW;
  if (out->units == 1)
    return SK_STATS_ONE_SUBJECT;
  return SK_STATS_OK;
}

enum sk_stats_status sk_stats_alpha(const double *data, size_t units,
                                    size_t coders, enum sk_stats_metric metric,
                                    struct sk_stats_alpha *out) {
  double n;
  double observed = 0;
  size_t u;

  memset(out, 0, sizeof(*out));
  out->status = alpha_check(data, units, coders, out);
  if (out->status != SK_STATS_OK) {
    /* The counts of an INVALID matrix would be half-made: clear them. */
    if (out->status == SK_STATS_INVALID || out->status == SK_STATS_EMPTY)
      out->units = out->values = 0;
    return out->status;
  }
  n = (double)out->values;
  for (u = 0; u < units; u++) {
    const double *row = data + u * coders;
    size_t m = unit_values(row, coders);
    if (m >= 2)
      observed += row_disagreement(row, coders, metric) / (double)(m - 1);
  }
  out->d_o = observed / n;
  out->d_e =
      pooled_disagreement(data, units, coders, metric, n) / (n * (n - 1.0));
  /* Values near the limits of a double could overflow the squares. */
  if (!isfinite(out->d_o) || !isfinite(out->d_e)) {
    out->d_o = out->d_e = 0;
    out->units = out->values = 0;
    return out->status = SK_STATS_INVALID;
  }
  if (!(out->d_e > 0)) {
    out->d_e = 0;
    return out->status = SK_STATS_PERFECT_AGREEMENT;
  }
  out->alpha = 1.0 - out->d_o / out->d_e;
  return out->status;
}

/* ---- One sample ---- */

enum sk_stats_status sk_stats_wilson(unsigned long k, unsigned long n, double z,
                                     struct sk_stats_proportion *out) {
  double nn = (double)n;
  double p;
  double denom;
  double centre;
  double half;

  memset(out, 0, sizeof(*out));
  out->k = k;
  out->n = n;
  out->high = 1.0;
  if (k > n || !(z > 0) || !isfinite(z))
    return out->status = SK_STATS_INVALID;
  if (n == 0)
    return out->status = SK_STATS_EMPTY;
  p = (double)k / nn;
  denom = 1.0 + z * z / nn;
  centre = (p + z * z / (2.0 * nn)) / denom;
  half = z / denom * sqrt(p * (1.0 - p) / nn + z * z / (4.0 * nn * nn));
  out->p = p;
  /* At k = 0 (k = n) the bound is exactly 0 (1); rounding would leave a
   * -1e-17 or a 0.99999999999999989 behind. */
  out->low = k == 0 ? 0.0 : fmax(0.0, centre - half);
  out->high = k == n ? 1.0 : fmin(1.0, centre + half);
  return out->status = SK_STATS_OK;
}

enum sk_stats_status sk_stats_describe(const double *v, size_t n,
                                       struct sk_stats_summary *out) {
  double sum = 0;
  double ss = 0;
  size_t i;

  memset(out, 0, sizeof(*out));
  for (i = 0; v != NULL && i < n; i++) {
    if (isnan(v[i]))
      continue;
    if (isinf(v[i])) {
      memset(out, 0, sizeof(*out));
      return out->status = SK_STATS_INVALID;
    }
    if (out->n == 0 || v[i] < out->min)
      out->min = v[i];
    if (out->n == 0 || v[i] > out->max)
      out->max = v[i];
    sum += v[i];
    out->n++;
  }
  if (out->n == 0)
    return out->status = SK_STATS_EMPTY;
  out->mean = sum / (double)out->n;
  /* A sum of huge finite values can overflow even though each is finite. */
  if (!isfinite(out->mean)) {
    memset(out, 0, sizeof(*out));
    return out->status = SK_STATS_INVALID;
  }
  if (out->n == 1)
    return out->status = SK_STATS_TOO_FEW;
  for (i = 0; i < n; i++)
    if (!isnan(v[i]))
      ss += (v[i] - out->mean) * (v[i] - out->mean);
  out->sd = sqrt(ss / (double)(out->n - 1));
  if (!isfinite(out->sd)) {
    memset(out, 0, sizeof(*out));
    return out->status = SK_STATS_INVALID;
  }
  return out->status = SK_STATS_OK;
}

/* ---- Drift tests ---- */

/* log of the binomial coefficient C(n, k), through lgamma. */
static double log_choose(double n, double k) {
  return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}

double sk_stats_fisher_exact(unsigned long a, unsigned long b, unsigned long c,
                             unsigned long d) {
  /* Margins: first row r1, first column c1, total t; the table is fixed by
   * its top-left cell x, hypergeometric with P(x) = C(r1, x) C(t - r1,
   * c1 - x) / C(t, c1). */
  double r1 = (double)a + (double)b;
  double c1 = (double)a + (double)c;
  double t = r1 + (double)c + (double)d;
  double lo = fmax(0.0, c1 - (t - r1));
  double hi = fmin(r1, c1);
  double base = log_choose(t, c1);
  double observed;
  double p = 0;
  double x;

  if (t == 0)
    return 1.0;
  observed = log_choose(r1, (double)a) + log_choose(t - r1, c1 - (double)a);
  for (x = lo; x <= hi; x += 1.0) {
    double lp = log_choose(r1, x) + log_choose(t - r1, c1 - x);
    /* Ties within a relative 1e-7 count as "as extreme", as in R. */
    if (lp <= observed + 1e-7)
      p += exp(lp - base);
  }
  return fmin(1.0, p);
}

enum sk_stats_status
sk_stats_two_proportions(unsigned long k1, unsigned long n1, unsigned long k2,
                         unsigned long n2, struct sk_stats_ptest *out) {
  double t;
  double succ;
  double min_expected;
  double pooled;
  double se;

  memset(out, 0, sizeof(*out));
  out->method = SK_STATS_FISHER;
  out->p_value = 1.0;
  if (k1 > n1 || k2 > n2)
    return out->status = SK_STATS_INVALID;
  if (n1 == 0 || n2 == 0)
    return out->status = SK_STATS_EMPTY;
  out->p1 = (double)k1 / (double)n1;
  out->p2 = (double)k2 / (double)n2;
  out->diff = out->p1 - out->p2;
  t = (double)n1 + (double)n2;
  succ = (double)k1 + (double)k2;
  if (succ == 0 || succ == t)
    return out->status = SK_STATS_NO_VARIANCE;
  /* The smallest expected cell is the smaller row times the smaller
   * column over the total. */
  min_expected = fmin((double)n1, (double)n2) * fmin(succ, t - succ) / t;
  if (min_expected < 5.0) {
    out->p_value = sk_stats_fisher_exact(k1, n1 - k1, k2, n2 - k2);
    return out->status = SK_STATS_OK;
  }
  out->method = SK_STATS_ZTEST;
  pooled = succ / t;
  se = sqrt(pooled * (1.0 - pooled) * (1.0 / (double)n1 + 1.0 / (double)n2));
  out->z = out->diff / se;
  out->p_value = normal_two_sided(out->z);
  return out->status = SK_STATS_OK;
}

/* Counts the non-NaN values of v and reports whether one is infinite. */
static int count_finite(const double *v, size_t n, size_t *used) {
  size_t i;
  *used = 0;
  for (i = 0; v != NULL && i < n; i++) {
    if (isinf(v[i]))
      return -1;
    *used += !isnan(v[i]);
  }
  return 0;
}

enum sk_stats_status sk_stats_welch(const double *a, size_t na, const double *b,
                                    size_t nb, struct sk_stats_ttest *out) {
  struct sk_stats_summary sa;
  struct sk_stats_summary sb;
  double va;
  double vb;

  memset(out, 0, sizeof(*out));
  out->p_value = 1.0;
  if (count_finite(a, na, &out->n1) != 0 || count_finite(b, nb, &out->n2) != 0)
    return out->status = SK_STATS_INVALID;
  if (sk_stats_describe(a, na, &sa) == SK_STATS_INVALID ||
      sk_stats_describe(b, nb, &sb) == SK_STATS_INVALID)
    return out->status = SK_STATS_INVALID;
  if (out->n1 == 0 || out->n2 == 0)
    return out->status = SK_STATS_EMPTY;
  out->mean1 = sa.mean;
  out->mean2 = sb.mean;
  out->diff = sa.mean - sb.mean;
  if (out->n1 < 2 || out->n2 < 2)
    return out->status = SK_STATS_TOO_FEW;
  if (sa.sd == 0 && sb.sd == 0) {
    out->p_value = out->diff == 0 ? 1.0 : 0.0;
    return out->status = SK_STATS_NO_VARIANCE;
  }
  va = sa.sd * sa.sd / (double)sa.n;
  vb = sb.sd * sb.sd / (double)sb.n;
  out->t = out->diff / sqrt(va + vb);
  out->df = (va + vb) * (va + vb) /
            (va * va / (double)(sa.n - 1) + vb * vb / (double)(sb.n - 1));
  /* Standard deviations near 1e154 would overflow the squares above. */
  if (!isfinite(out->t) || !isfinite(out->df) || !(out->df > 0)) {
    out->t = out->df = 0;
    return out->status = SK_STATS_INVALID;
  }
  out->p_value = t_two_sided(out->t, out->df);
  return out->status = SK_STATS_OK;
}
