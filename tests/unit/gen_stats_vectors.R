# gen_stats_vectors.R — reference vectors for tests/unit/test_stats.c, computed by R.
#
# Regenerate (needs R with the recommended package 'boot'; Debian: r-base-core, r-cran-boot):
#   Rscript tests/unit/gen_stats_vectors.R > tests/unit/stats_vectors.h
#
# The output is checked in so the unit tests do not need R.  Everything here is
# deterministic: literal inputs, or set.seed() with R's default RNG kinds.
#
# What is recorded for each Wilcoxon case (see struct wilcox_vec in the output):
#   - R's wilcox.test(conf.int = TRUE) p-value, estimate, conf.int and its
#     "conf.level" attribute, with tol.root = 1e-14.  For the normal approximation R finds
#     the interval ends with uniroot() on a step function; with R's default
#     tol.root = 1e-4 they are only good to ~1e-4 in the units of the data, so the
#     default-tolerance ends are recorded too (lo_r4/hi_r4), and the tight ones are
#     what stats.c must reproduce (the exact step, a Walsh average / pairwise difference).
#   - hl: the Hodges-Lehmann estimate computed directly (median of Walsh averages or of
#     the pairwise differences).  In the exact case R's estimate is this; in the normal
#     approximation R's estimate is a uniroot() zero of the standardized statistic,
#     which is anywhere on the plateau where it is zero, and stats.c reports hl.
#   - conf_achieved: what stats.c reports in .conf.  Exact: the true coverage
#     1 - achieved.alpha of R's interval (R reports the requested level unless it is
#     "not achievable", and then a rounded value).  Normal approximation: R's attribute,
#     except for the rank-sum clipping case (see ranksum_reach below).
#   - ok: the stats.c contract: 1 when the interval reaches the requested confidence.
#
# Two-sample cases: stats_rank_sum(x, y) estimates the shift of y relative to x
# (y - x), so R is called as wilcox.test(y, x).

tight <- 1e-14
fmt <- function(v) {
  s <- sprintf("%.17g", v)
  s[is.na(v)] <- "NAN"
  s[!is.na(v) & v == Inf] <- "INFINITY"
  s[!is.na(v) & v == -Inf] <- "-INFINITY"
  s
}
emit_array <- function(name, v) {
  body <- paste(fmt(v), collapse = ", ")
  body <- gsub("((?:[^,]*, ){4}[^,]*), ", "\\1,\n\t", body, perl = TRUE)
  cat(sprintf("static const double %s[%d] = {\n\t%s\n};\n", name, length(v), body))
}

# R's own standardized rank-sum statistic from wilcox.test.default (normal branch, two-sided,
# correct = TRUE), used only to tell when R clips an interval end to min/max difference.
ranksum_W <- function(x, y, d) {
  n.x <- length(x); n.y <- length(y)
  dr <- rank(c(x - d, y))
  NTIES.CI <- table(dr)
  dz <- sum(dr[seq_along(x)]) - n.x * (n.x + 1)/2 - n.x * n.y/2
  SIGMA.CI <- sqrt((n.x * n.y/12) * ((n.x + n.y + 1) -
                   sum(NTIES.CI^3 - NTIES.CI)/((n.x + n.y) * (n.x + n.y - 1))))
  (dz - sign(dz) * 0.5)/SIGMA.CI
}
# Normal-approximation rank sum: R clips an end to the min/max difference when even that
# extreme does not reach the quantile.  stats.c then says ok = 0 and reports the confidence
# that the extremes do reach: 1 - 2 max(1 - Phi(W(min)), Phi(W(max))), floored at 0.
ranksum_reach <- function(x, y, conf) {
  wmin <- ranksum_W(x, y, min(x) - max(y))
  wmax <- ranksum_W(x, y, max(x) - min(y))
  z <- qnorm((1 - conf)/2, lower.tail = FALSE)
  if (wmin - z > 0 && wmax + z < 0) return(c(ok = 1, conf = conf))
  c(ok = 0, conf = max(0, 1 - 2 * max(pnorm(wmin, lower.tail = FALSE), pnorm(wmax))))
}

cases <- list()
add <- function(name, x, y = NULL, conf = 0.95) {
  cases[[length(cases) + 1]] <<- list(name = name, x = x, y = y, conf = conf)
}

run_case <- function(cs) {
  x <- cs$x; y <- cs$y; conf <- cs$conf
  paired <- is.null(y)
  a <- if (paired) x else y          # R's 'x'
  b <- if (paired) NULL else x       # R's 'y'
  call <- function(tol) suppressWarnings(
    wilcox.test(a, b, conf.int = TRUE, conf.level = conf, tol.root = tol))
  r <- call(tight)
  r4 <- call(1e-4)
  exact <- grepl("exact", r$method)
  a <- a[!is.na(a)]
  alpha <- 1 - conf
  if (paired) {
    xs <- a[a != 0]                   # R drops zeros before everything, the CI included
    n <- length(xs)
    w <- outer(xs, xs, "+"); w <- sort(w[!lower.tri(w)])/2
    hl <- if (n > 0) median(w) else NaN
  } else {
    b <- b[!is.na(b)]
    n <- length(a) + length(b)
    hl <- median(outer(a, b, "-"))
  }
  conf_attr <- attr(r$conf.int, "conf.level")
  if (exact) {
    if (paired) {
      qu <- qsignrank(alpha/2, n); if (qu == 0) qu <- 1
      achieved <- 1 - 2 * psignrank(trunc(qu) - 1, n)
    } else {
      qu <- qwilcox(alpha/2, length(a), length(b)); if (qu == 0) qu <- 1
      achieved <- 1 - 2 * pwilcox(trunc(qu) - 1, length(a), length(b))
    }
    ok <- as.integer(achieved >= conf - 1e-12)
  } else if (paired) {
    achieved <- conf_attr
    ok <- as.integer(conf_attr == conf)
  } else {
    reach <- ranksum_reach(a, b, conf)
    achieved <- reach[["conf"]]
    ok <- as.integer(reach[["ok"]])
  }
  list(hl = hl, r_est = unname(r$estimate), lo = r$conf.int[1], hi = r$conf.int[2],
       lo4 = r4$conf.int[1], hi4 = r4$conf.int[2], conf_attr = conf_attr,
       achieved = achieved, p = r$p.value, n = n, exact = as.integer(exact), ok = ok)
}

# ---- signed rank (paired log ratios d = ln(on/off)) ----
d6  <- c(0.012, -0.003, 0.021, 0.008, 0.015, 0.004)
d8  <- c(0.012, -0.003, 0.021, 0.008, 0.015, 0.004, 0.019, -0.007)
d10 <- c(-0.031, -0.012, 0.004, -0.027, -0.019, -0.008, -0.022, 0.0021, -0.015, -0.035)
add("sr_n6_95", d6)
add("sr_n6_99", d6, conf = 0.99)            # not achievable: R widens to [min,max], ~96.9%
add("sr_n5_95", d6[1:5])                    # R says 95% for a 93.75% interval
add("sr_n8_95", d8)
add("sr_n8_99", d8, conf = 0.99)
add("sr_n10_neg_95", d10)
add("sr_n10_neg_99", d10, conf = 0.99)
add("sr_n1", 0.013)
add("sr_n3_nan", c(0.011, NaN, 0.002, -0.004))
set.seed(1); d30 <- round(rnorm(30, 0.008, 0.02), 9)
add("sr_n30_95", d30)
add("sr_n30_99", d30, conf = 0.99)
set.seed(2); d49 <- round(rnorm(49, -0.004, 0.015), 9)
add("sr_n49_95", d49)                       # largest exact case
set.seed(3); d60 <- round(rnorm(60, 0.006, 0.02), 9)
add("sr_n60_95", d60)                       # normal approximation (n >= 50)
add("sr_n60_99", d60, conf = 0.99)
set.seed(4); d80 <- round(rnorm(80, -0.01, 0.03), 9)
add("sr_n80_neg_99", d80, conf = 0.99)
dties <- c(0.010, -0.010, 0.020, 0.020, 0.005, 0.030, 0.010, -0.004, 0.015, 0.025)
add("sr_ties_95", dties)                    # ties in |d|: normal approximation
add("sr_ties_99", dties, conf = 0.99)
dzero <- c(0.012, 0, -0.003, 0.021, 0, 0.008, 0.015, 0.004, -0.006, 0.017, 0.009, 0.011)
add("sr_zeros_95", dzero)                   # zeros: dropped (R), normal approximation
add("sr_small_ties", c(0.01, 0.01, 0.02, -0.01))  # alpha doubled: not achievable
add("sr_all_tied", c(0.01, 0.01, 0.01))     # no interval at all (conf 0)
add("sr_zeros_n2", c(0, 0.01, 0, -0.02))

# ---- rank sum (unpaired; shift y - x) ----
off5 <- c(10.2, 10.5, 9.9, 10.8, 10.1)
on6  <- c(10.9, 11.2, 10.7, 11.5, 10.6, 11.0)
add("rs_5_6_95", off5, on6)
add("rs_5_6_99", off5, on6, conf = 0.99)
add("rs_6_5_neg_95", on6, off5)
add("rs_2_3_95", c(1.0, 1.3), c(1.7, 2.1, 1.9))     # not achievable
offt <- c(10, 11, 11, 12, 13, 13, 13, 14)
ont  <- c(12, 13, 13, 14, 15, 15, 16)
add("rs_ties_95", offt, ont)
add("rs_ties_99", offt, ont, conf = 0.99)
add("rs_ties_clip", c(1, 1, 2), c(2, 3, 3))         # normal approximation, ends clipped
set.seed(5); xb <- round(rnorm(55, 100, 8), 7); yb <- round(rnorm(60, 103, 9), 7)
add("rs_55_60_95", xb, yb)
add("rs_55_60_99", xb, yb, conf = 0.99)
set.seed(6); x49 <- round(rnorm(49, 5, 1), 8); y49 <- round(rnorm(49, 4.6, 1.2), 8)
add("rs_49_49_95", x49, y49)                # largest exact case
add("rs_nan", c(3.1, NaN, 2.7, 3.3), c(3.9, 3.6, NaN, 4.2, 3.8))

res <- lapply(cases, run_case)

# ---- output ----
cat("/* stats_vectors.h — GENERATED by tests/unit/gen_stats_vectors.R; do not edit.\n")
cat(sprintf(" * %s.\n", R.version.string))
cat(" * Regenerate: Rscript tests/unit/gen_stats_vectors.R > tests/unit/stats_vectors.h\n")
cat(" * Field meanings are documented in the R script. */\n")
cat("#ifndef STATS_VECTORS_H\n#define STATS_VECTORS_H\n\n#include <math.h>\n\n")
cat("struct wilcox_vec {\n",
    "\tconst char *name;\n",
    "\tint paired;                 /* 1: stats_signed_rank(x); 0: stats_rank_sum(x, y) */\n",
    "\tconst double *x; int nx;\n",
    "\tconst double *y; int ny;\n",
    "\tdouble conf;                /* requested */\n",
    "\tdouble hl;                  /* Hodges-Lehmann estimate, computed directly */\n",
    "\tdouble r_est;               /* wilcox.test()$estimate */\n",
    "\tdouble lo, hi;              /* wilcox.test()$conf.int, tol.root = 1e-14 */\n",
    "\tdouble lo_r4, hi_r4;        /* the same with R's default tol.root = 1e-4 */\n",
    "\tdouble conf_attr;           /* attr(conf.int, \"conf.level\") */\n",
    "\tdouble conf_achieved;       /* what stats.c reports in .conf */\n",
    "\tdouble p;                   /* wilcox.test()$p.value */\n",
    "\tint n, exact, ok;\n",
    "};\n\n", sep = "")
for (i in seq_along(cases)) {
  cs <- cases[[i]]
  emit_array(sprintf("%s_x", cs$name), cs$x)
  if (!is.null(cs$y)) emit_array(sprintf("%s_y", cs$name), cs$y)
}
cat("\nstatic const struct wilcox_vec wilcox_vecs[] = {\n")
for (i in seq_along(cases)) {
  cs <- cases[[i]]; r <- res[[i]]
  ys <- if (is.null(cs$y)) "NULL, 0" else sprintf("%s_y, %d", cs$name, length(cs$y))
  cat(sprintf("\t{ \"%s\", %d, %s_x, %d, %s, %s,\n", cs$name, as.integer(is.null(cs$y)),
              cs$name, length(cs$x), ys, fmt(cs$conf)))
  cat(sprintf("\t  %s, %s,\n", fmt(r$hl), fmt(r$r_est)))
  cat(sprintf("\t  %s, %s, %s, %s,\n", fmt(r$lo), fmt(r$hi), fmt(r$lo4), fmt(r$hi4)))
  cat(sprintf("\t  %s, %s, %s, %d, %d, %d },\n", fmt(r$conf_attr), fmt(r$achieved),
              fmt(r$p), r$n, r$exact, r$ok))
}
cat("};\n\n")

# ---- descriptive statistics ----
probs <- c(0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1)
emit_array("quantile_probs", probs)
desc <- list(d6 = d6, d10 = d10, d30 = d30, dties = dties, odd7 = c(5, 1, 4, 1, 5, 9, 2),
             skew = c(1, 1.1, 1.05, 0.97, 1.02, 1.3, 0.99, 5.5, 1.01),
             mad0 = c(1, 1, 1, 1, 1, 2, 1, 5, 1))
# Modified Z (Iglewicz & Hoaglin), with the documented fallback when MAD == 0.
modz <- function(v) {
  m <- median(v); a <- mad(v, constant = 1)
  if (a > 0) return(0.6745 * (v - m) / a)
  s <- mean(abs(v - m))
  if (s > 0) (v - m) / (1.253314 * s) else 0 * v
}
cat("\nstruct desc_vec {\n\tconst char *name;\n\tconst double *x; int n;\n",
    "\tdouble median, mean, sd, mad;     /* mad(x, constant = 1) */\n",
    "\tconst double *quantile;           /* quantile(x, quantile_probs, type = 7) */\n",
    "\tconst double *modz;               /* modified Z, see modz() in the R script */\n",
    "};\n\n", sep = "")
for (nm in names(desc)) {
  v <- desc[[nm]]
  emit_array(sprintf("desc_%s_x", nm), v)
  emit_array(sprintf("desc_%s_q", nm), unname(quantile(v, probs, type = 7)))
  emit_array(sprintf("desc_%s_z", nm), modz(v))
}
cat("\nstatic const struct desc_vec desc_vecs[] = {\n")
for (nm in names(desc)) {
  v <- desc[[nm]]
  cat(sprintf("\t{ \"%s\", desc_%s_x, %d, %s, %s, %s, %s, desc_%s_q, desc_%s_z },\n", nm, nm,
              length(v), fmt(median(v)), fmt(mean(v)), fmt(sd(v)), fmt(mad(v, constant = 1)),
              nm, nm))
}
cat("};\n\n")

# ---- standard normal ----
pp <- c(1e-300, 1e-20, 1e-10, 1e-5, 0.001, 0.005, 0.025, 0.1, 0.3, 0.5, 0.7, 0.975, 0.999,
        1 - 1e-10)
emit_array("qnorm_p", pp)
emit_array("qnorm_want", qnorm(pp))
zz <- c(-38, -10, -5, -3, -1.96, -1, -0.1, 0, 0.5, 1.644, 3, 8.3)
emit_array("pnorm_x", zz)
emit_array("pnorm_want", pnorm(zz))

# ---- BCa bootstrap, cross-check against package boot (Monte Carlo: compare loosely) ----
suppressMessages(library(boot))
set.seed(7); bx <- round(rlnorm(40, 0, 0.5), 6)
B <- 20000
jack_L <- function(x, f) {
  th <- vapply(seq_along(x), function(i) f(x[-i]), 0)
  (length(x) - 1) * (mean(th) - th)
}
bca_of <- function(f) {
  bo <- boot(bx, function(x, i) f(x[i]), R = B)
  ci <- boot.ci(bo, conf = 0.95, type = "bca", L = jack_L(bx, f))
  ci$bca[4:5]
}
emit_array("bca_x", bx)
emit_array("bca_mean_want", bca_of(mean))
emit_array("bca_median_want", bca_of(median))
cat(sprintf("#define BCA_R_REPS %d\n", B))
cat("\n#endif\n")
