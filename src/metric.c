/*
 * metric.c: the lens's metrics, in one table (see metric.h).
 *
 * Owns what a metric is called, what it reads from a lens cell and how its
 * values map onto a colour scale. Refuses to know colours, glyphs or
 * terminals: ui-palette.c and report.c turn the scale into those.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lens.h"
#include "metric.h"

static const struct metric metric_table[METRIC_COUNT] = {
	[METRIC_PROB] = { "prob", "P(top-1)", "", "1",
	    METRIC_SCALE_UNIT, 1, 0 },
	[METRIC_FINAL_PROB] = { "final-prob", "P(final top-1)", "", "2",
	    METRIC_SCALE_UNIT, 1, 0 },
	[METRIC_FINAL_LOGIT] = { "final-logit", "logit(final top-1)", "", "3",
	    METRIC_SCALE_LOGIT, 1, 0 },
	[METRIC_FINAL_RANK] = { "final-rank", "rank(final top-1)", "", "4",
	    METRIC_SCALE_RANK, 0, 0 },
	[METRIC_NEXT_RANK] = { "next-rank", "rank(next token)", "", "5",
	    METRIC_SCALE_RANK, 0, 0 },
	[METRIC_NEXT_PROB] = { "next-prob", "P(next token)", "", "6",
	    METRIC_SCALE_UNIT, 1, 0 },
	[METRIC_KL] = { "kl", "KL(final||layer)", "nats", "7",
	    METRIC_SCALE_KL, 0, 0 },
	[METRIC_ENTROPY] = { "entropy", "entropy", "nats", "8",
	    METRIC_SCALE_ENTROPY, 0, 0 },
	[METRIC_TRACK_PROB] = { "track-prob", "P(tracked)", "", "9",
	    METRIC_SCALE_UNIT, 1, METRIC_NEEDS_TRACK },
	[METRIC_TUNED_KL] = { "tuned-kl", "KL(tuned||logit)", "nats", "K",
	    METRIC_SCALE_KL, 0, METRIC_NEEDS_TUNED },
	[METRIC_TRACK_RANK] = { "track-rank", "rank(tracked)", "", "R",
	    METRIC_SCALE_RANK, 0, METRIC_NEEDS_TRACK },
	[METRIC_SURPRISAL] = { "surprisal",
	    "surprisal \xe2\x88\x92log P(next token)", "nats", "U",
	    METRIC_SCALE_ENTROPY, 0, 0 },
	[METRIC_DIFF] = { "logit-diff", "logit(X) \xe2\x88\x92 logit(Y)", "",
	    "L", METRIC_SCALE_DIVERGING, 1, METRIC_NEEDS_DIFF },
	[METRIC_DIFF_CHANGE] = { "logit-diff-change",
	    "logit(X) \xe2\x88\x92 logit(Y), B \xe2\x88\x92 A", "", "Z",
	    METRIC_SCALE_DIVERGING, 1, METRIC_NEEDS_DIFF | METRIC_NEEDS_COMPARE },
	[METRIC_CMP_KL] = { "compare-kl", "KL(A||B)", "nats", "V",
	    METRIC_SCALE_KL, 1, METRIC_NEEDS_COMPARE },
	[METRIC_CMP_JS] = { "compare-js", "JS(A, B)", "nats", "J",
	    METRIC_SCALE_JS, 1, METRIC_NEEDS_COMPARE },
	[METRIC_CMP_TV] = { "compare-tv", "TV(A, B)", "", "W",
	    METRIC_SCALE_UNIT, 1, METRIC_NEEDS_COMPARE },
};

const char *const metric_config_names[METRIC_CONFIG + 1] = {
	"prob", "final-prob", "final-logit", "final-rank", "next-rank",
	"next-prob", "kl", "entropy", NULL
};

const struct metric *
metric_get(int m)
{
	return (&metric_table[m]);
}

int
metric_find(const char *name)
{
	int	m;

	for (m = 0; m < METRIC_COUNT; m++) {
		if (strcmp(name, metric_table[m].name) == 0)
			return (m);
	}
	return (-1);
}

const char *
metric_list(void)
{
	static char	buf[512];
	size_t		n = 0;
	int		m;

	if (buf[0] != '\0')
		return (buf);
	for (m = 0; m < METRIC_COUNT; m++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s",
		    m ? ", " : "", metric_table[m].name);
	return (buf);
}

int
metric_value(int m, const struct lens_cell *c, const struct lens_top *top1,
    double *v)
{
	switch (m) {
	case METRIC_PROB:
		*v = (double)top1->prob;
		break;
	case METRIC_FINAL_PROB:
		*v = (double)c->final_top1_prob;
		break;
	case METRIC_FINAL_LOGIT:
		*v = (double)c->final_top1_logit;
		break;
	case METRIC_FINAL_RANK:
		*v = c->final_top1_rank;
		break;
	case METRIC_NEXT_RANK:
	case METRIC_NEXT_PROB:
		if (c->next_id < 0)
			return (0);
		*v = m == METRIC_NEXT_RANK ? c->next_rank :
		    (double)c->next_prob;
		break;
	case METRIC_KL:
		*v = (double)c->kl;
		break;
	case METRIC_ENTROPY:
		*v = (double)c->entropy;
		break;
	case METRIC_SURPRISAL:
		if (c->next_id < 0)
			return (0);
		/* Where P underflows, from the logits. */
		*v = c->next_prob >= FLT_MIN ? -log((double)c->next_prob) :
		    (double)c->lse - (double)c->next_logit;
		break;
	default:
		return (0);
	}
	return (1);
}

static double
metric_clip(double v)
{
	if (!(v > 0.0))		/* NaN too */
		return (0.0);
	return (v > 1.0 ? 1.0 : v);
}

double
metric_norm(int m, double v, double lo, double hi, int n_vocab)
{
	double	ln_v = log(n_vocab > 1 ? n_vocab : 2), x;

	switch (metric_table[m].scale) {
	case METRIC_SCALE_LOGIT:
		if (!(hi > lo))
			return (1.0);
		x = (v - lo) / (hi - lo);
		break;
	case METRIC_SCALE_RANK:
		x = log(v) / ln_v;
		break;
	case METRIC_SCALE_KL:
		x = v <= METRIC_KL_LO ? 0.0 : log10(v / METRIC_KL_LO) /
		    log10(METRIC_KL_HI / METRIC_KL_LO);
		break;
	case METRIC_SCALE_JS:
		x = v <= METRIC_JS_LO ? 0.0 : log(v / METRIC_JS_LO) /
		    log(M_LN2 / METRIC_JS_LO);
		break;
	case METRIC_SCALE_DIVERGING:
		x = hi > 0.0 ? 0.5 + 0.5 * v / hi : 0.5;
		break;
	case METRIC_SCALE_ENTROPY:
		x = v / ln_v;
		break;
	default:
		x = v;
		break;
	}
	x = metric_clip(x);
	return (metric_table[m].higher ? x : 1.0 - x);
}

int
metric_rank_bucket(int rank)
{
	if (rank <= 1)
		return (0);
	if (rank <= 5)
		return (1);
	if (rank <= 20)
		return (2);
	if (rank <= 100)
		return (3);
	return (4);
}

int
metric_is_rank(int m)
{
	return (metric_table[m].scale == METRIC_SCALE_RANK);
}
