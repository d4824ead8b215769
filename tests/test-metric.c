/*
 * test-metric.c: the metric table (metric.h): names round trip and match
 * the configuration's, values are read from the cell's own fields, and
 * each scale maps values as its formula, written out here, says, in the
 * direction the table gives.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "harness.h"
#include "lens.h"
#include "metric.h"

static void
test_names(void)
{
	int	m, n;

	for (m = 0; m < METRIC_COUNT; m++) {
		CHECK(metric_find(metric_get(m)->name) == m, "metric %d: %s",
		    m, metric_get(m)->name);
		/* Each has a title and its own key in the explorer. */
		CHECK(metric_get(m)->title[0] != '\0' &&
		    metric_get(m)->key[0] != '\0', "metric %d: title, key", m);
		for (n = 0; n < m; n++)
			CHECK(strcmp(metric_get(m)->key, metric_get(n)->key) !=
			    0, "%s and %s: key %s", metric_get(n)->name,
			    metric_get(m)->name, metric_get(m)->key);
		CHECK(strstr(metric_list(), metric_get(m)->name) != NULL,
		    "%s not in the list", metric_get(m)->name);
		/* Those beyond the configuration's need something. */
		CHECK((m >= METRIC_CONFIG && m != METRIC_SURPRISAL) ==
		    (metric_get(m)->needs != 0),
		    "%s: needs %d", metric_get(m)->name, metric_get(m)->needs);
	}
	for (m = 0; m < METRIC_CONFIG; m++)
		CHECK(strcmp(metric_config_names[m], metric_get(m)->name) == 0,
		    "config name %d", m);
	CHECK(metric_config_names[METRIC_CONFIG] == NULL, "NULL-terminated");
	CHECK(metric_find("colour") == -1, "unknown");
	/* One spelling of each KL direction. */
	CHECK(strcmp(metric_get(METRIC_KL)->title, "KL(final||layer)") == 0,
	    "kl title");
	CHECK(strcmp(metric_get(METRIC_TUNED_KL)->title,
	    "KL(tuned||logit)") == 0, "tuned-kl title");
}

static void
test_values(void)
{
	struct lens_cell	c;
	struct lens_top		t = { 5, 0.25f, 3.0f };
	double			v;

	memset(&c, 0, sizeof c);
	c.final_top1_prob = 0.125f;
	c.final_top1_logit = -2.5f;
	c.final_top1_rank = 17;
	c.next_id = 4;
	c.next_rank = 3;
	c.next_prob = 0.0625f;
	c.kl = 0.5f;
	c.entropy = 1.75f;
	CHECK(metric_value(METRIC_PROB, &c, &t, &v) && v == 0.25, "prob");
	CHECK(metric_value(METRIC_FINAL_PROB, &c, &t, &v) && v == 0.125, "fp");
	CHECK(metric_value(METRIC_FINAL_LOGIT, &c, &t, &v) && v == -2.5, "fl");
	CHECK(metric_value(METRIC_FINAL_RANK, &c, &t, &v) && v == 17, "fr");
	CHECK(metric_value(METRIC_NEXT_RANK, &c, &t, &v) && v == 3, "nr");
	CHECK(metric_value(METRIC_NEXT_PROB, &c, &t, &v) && v == 0.0625, "np");
	CHECK(metric_value(METRIC_KL, &c, &t, &v) && v == 0.5, "kl");
	CHECK(metric_value(METRIC_ENTROPY, &c, &t, &v) && v == 1.75, "ent");
	CHECK(!metric_value(METRIC_TRACK_PROB, &c, &t, &v), "tracked: caller");
	CHECK(metric_value(METRIC_SURPRISAL, &c, &t, &v) &&
	    fabs(v - log(16.0)) < 1e-12, "surprisal");
	/* Below FLT_MIN, from the logits: lse - logit. */
	c.next_prob = 0.0f;
	c.lse = 120.0f;
	c.next_logit = -30.5f;
	CHECK(metric_value(METRIC_SURPRISAL, &c, &t, &v) && v == 150.5,
	    "surprisal from the logits");
	CHECK(!metric_value(METRIC_CMP_JS, &c, &t, &v), "compare: caller");
	c.next_id = -1;
	CHECK(!metric_value(METRIC_NEXT_PROB, &c, &t, &v), "no next token");
	CHECK(!metric_value(METRIC_SURPRISAL, &c, &t, &v), "no surprisal");
}

static void
test_scales(void)
{
	const int	V = 50257;
	double		lnv = log((double)V), a, b;
	int		m;

	CHECK_NEAR(metric_norm(METRIC_PROB, 0.25, 0, 0, V), 0.25, 1e-12,
	    "prob");
	CHECK(metric_norm(METRIC_PROB, NAN, 0, 0, V) == 0.0, "NaN");
	CHECK_NEAR(metric_norm(METRIC_FINAL_LOGIT, 5, 0, 10, V), 0.5, 1e-12,
	    "logit");
	CHECK(metric_norm(METRIC_FINAL_LOGIT, 5, 5, 5, V) == 1.0, "no range");
	/* Ranks: 1 - log(rank) / log(V). */
	CHECK_NEAR(metric_norm(METRIC_NEXT_RANK, 1, 0, 0, V), 1.0, 1e-12,
	    "rank 1");
	CHECK_NEAR(metric_norm(METRIC_FINAL_RANK, 224, 0, 0, V),
	    1.0 - log(224.0) / lnv, 1e-12, "rank 224");
	CHECK_NEAR(metric_norm(METRIC_TRACK_RANK, V, 0, 0, V), 0.0, 1e-12,
	    "rank V");
	/* KL: log10, 0.01 -> 1, 10 -> 0. */
	CHECK(metric_norm(METRIC_KL, 0.0, 0, 0, V) == 1.0, "kl 0");
	CHECK(metric_norm(METRIC_TUNED_KL, 1000.0, 0, 0, V) == 0.0, "kl big");
	CHECK_NEAR(metric_norm(METRIC_KL, sqrt(0.1), 0, 0, V), 0.5, 1e-9,
	    "kl mid");
	/* Entropy: 1 - H / ln V. */
	CHECK_NEAR(metric_norm(METRIC_ENTROPY, lnv / 4, 0, 0, V), 0.75, 1e-12,
	    "entropy");
	/* A comparison's KL: bright (1) where the prompts part. */
	CHECK(metric_norm(METRIC_CMP_KL, 0.0, 0, 0, V) == 0.0, "cmp kl 0");
	CHECK_NEAR(metric_norm(METRIC_CMP_KL, sqrt(0.1), 0, 0, V), 0.5, 1e-9,
	    "cmp kl mid");
	/* JS: log, 1e-4 -> 0, ln 2 -> 1. */
	CHECK(metric_norm(METRIC_CMP_JS, 1e-5, 0, 0, V) == 0.0, "js low");
	CHECK_NEAR(metric_norm(METRIC_CMP_JS, M_LN2, 0, 0, V), 1.0, 1e-12,
	    "js ln 2");
	CHECK_NEAR(metric_norm(METRIC_CMP_JS, sqrt(1e-4 * M_LN2), 0, 0, V),
	    0.5, 1e-9, "js mid");
	/* Surprisal as entropy: 1 - S / ln V. */
	CHECK_NEAR(metric_norm(METRIC_SURPRISAL, lnv / 2, 0, 0, V), 0.5,
	    1e-12, "surprisal");
	/* Diverging: 0.5 + 0.5 v / hi, hi the largest magnitude. */
	CHECK_NEAR(metric_norm(METRIC_DIFF, -2.0, 0, 4.0, V), 0.25, 1e-12,
	    "diverging");
	CHECK(metric_norm(METRIC_DIFF_CHANGE, 3.0, 0, 0, V) == 0.5,
	    "diverging, no range");
	/* Direction: a larger value moves the norm as the table says. */
	for (m = 0; m < METRIC_COUNT; m++) {
		a = metric_norm(m, metric_is_rank(m) ? 3 : 0.2, 0, 1, V);
		b = metric_norm(m, metric_is_rank(m) ? 30 : 0.4, 0, 1, V);
		CHECK(metric_get(m)->higher ? b > a : b < a,
		    "%s: %g then %g", metric_get(m)->name, a, b);
	}
	CHECK(metric_rank_bucket(1) == 0 && metric_rank_bucket(5) == 1 &&
	    metric_rank_bucket(6) == 2 && metric_rank_bucket(100) == 3 &&
	    metric_rank_bucket(101) == 4, "rank buckets");
}

int
main(void)
{
	test_names();
	test_values();
	test_scales();
	return (harness_done());
}
