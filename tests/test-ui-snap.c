/*
 * test-ui-snap.c: what the explorer's screen reads from a snapshot
 * (ui-snap.h), on a snapshot made by hand: the search's matches in the
 * input row, the top-1 and the top-k (ASCII case ignored); the masked top
 * entry and its value; the delta view's value and range. The token texts
 * come from the fixture's tokenizer (skips without it). And a comparison
 * of two prompts made by hand: its metrics read the compared cells only,
 * swapping the grid to B exchanges the runs but not the comparison, the
 * logit difference's range.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "harness.h"
#include "lens.h"
#include "metric.h"
#include "tok.h"
#include "ui-snap.h"
#include "util.h"

static int
id_of(const struct tok *t, const char *s)
{
	int	id = tok_find_bytes(t, s, strlen(s));

	if (id < 0)
		HARD("no token '%s' in the fixture's vocabulary", s);
	return (id);
}

/* One prompt's run of T positions, 2 rows, by hand; ids from base. */
static struct ui_snap *
snap_of(int T, int base)
{
	struct ui_snap	*s = xcalloc(1, sizeof *s);
	int		 i;

	s->T = T;
	s->nrows = 2;
	s->top_k = 1;
	s->ids = xcalloc(T, sizeof *s->ids);
	s->rows = xcalloc(2, sizeof *s->rows);
	s->cells = xcalloc(2 * T, sizeof *s->cells);
	s->tops = xcalloc(2 * T, sizeof *s->tops);
	s->diff = xcalloc(2 * T, sizeof *s->diff);
	for (i = 0; i < T; i++)
		s->ids[i] = base + i;
	for (i = 0; i < 2 * T; i++) {
		s->cells[i].next_id = -1;
		s->diff[i] = (float)(base + i);
	}
	s->rows[1] = 1;
	s->diff_max = (float)(base + 2 * T - 1);
	return (s);
}

static void
test_compare(void)
{
	struct ui_snap		*a = snap_of(3, 10), *b = snap_of(2, 20);
	struct ui_frame		 f;
	struct compare_cell	*c;
	float			 v;
	int			 r, t;

	a->other = b;
	a->cmp = xcalloc(1, sizeof *a->cmp);
	a->cmp->Tc = 2;
	a->cmp->nrows = 2;
	a->cmp->top_k = 1;
	a->cmp->cells = c = xcalloc(4, sizeof *c);
	a->cmp->pb_of_a = xcalloc(4, sizeof *a->cmp->pb_of_a);
	a->cmp->pa_of_b = xcalloc(4, sizeof *a->cmp->pa_of_b);
	for (r = 0; r < 2; r++) {
		for (t = 0; t < 2; t++) {
			c[r * 2 + t].kl = 1.0 + r * 2 + t;
			c[r * 2 + t].js = 0.1 * (r * 2 + t);
			c[r * 2 + t].tv = 0.25;
			c[r * 2 + t].diff_a = 1.0;
			c[r * 2 + t].diff_b = 1.0 - 3.0 * t + r;
		}
	}
	memset(&f, 0, sizeof f);
	f.snap = a;
	f.metric = METRIC_CMP_KL;
	CHECK(ui_snap_value(&f, 1, 1, &v) && v == 4.0f, "kl of h @ 1: %g", v);
	CHECK(!ui_snap_value(&f, 1, 2, &v), "position 2: A alone, none");
	f.metric = METRIC_CMP_JS;
	CHECK(ui_snap_value(&f, 0, 1, &v) && fabsf(v - 0.1f) < 1e-7, "js");
	f.metric = METRIC_CMP_TV;
	CHECK(ui_snap_value(&f, 0, 0, &v) && v == 0.25f, "tv");
	f.metric = METRIC_DIFF_CHANGE;
	CHECK(ui_snap_value(&f, 1, 1, &v) && v == -2.0f, "diff change %g", v);
	CHECK(ui_snap_signed_range(&f) == 3.0f, "change range %g",
	    ui_snap_signed_range(&f));
	f.metric = METRIC_DIFF;
	CHECK(ui_snap_value(&f, 1, 2, &v) && v == 15.0f, "A's diff %g", v);
	CHECK(ui_snap_signed_range(&f) == 15.0f, "A's diff range");
	CHECK(ui_snap_a(&f) == a && ui_snap_b(&f) == b, "A and B");

	/* B in the grid: B's run, the same comparison of A with B. */
	ui_snap_swap(a);
	CHECK(a->swapped && a->T == 2 && a->ids[0] == 20 && a->other == b &&
	    b->T == 3 && b->ids[0] == 10 && b->other == NULL &&
	    b->cmp == NULL, "swapped");
	CHECK(ui_snap_a(&f) == b && ui_snap_b(&f) == a, "A and B swapped");
	CHECK(ui_snap_value(&f, 1, 1, &v) && v == 23.0f, "B's diff %g", v);
	CHECK(!ui_snap_value(&f, 1, 2, &v), "B has 2 positions");
	f.metric = METRIC_CMP_KL;
	CHECK(ui_snap_value(&f, 1, 1, &v) && v == 4.0f, "kl kept: %g", v);
	ui_snap_swap(a);
	CHECK(!a->swapped && a->T == 3 && a->ids[0] == 10 && a->cmp != NULL,
	    "swapped back");
	ui_snap_free(a);	/* and B, and the comparison (ASan) */
}

int
main(void)
{
	struct ui_snap		 s;
	struct ui_frame		 f;
	struct lens_cell	 cells[2 * 3];
	struct lens_top		 tops[2 * 3 * 3];
	struct tok		*t;
	char			*dir, *voc, *mer, *cause = NULL;
	int			 ids[3], rows[2] = { 0, 1 }, happy, sad, x, i;
	float			 v, w;

	test_compare();
	if ((dir = harness_fixture("tiny-gpt2")) == NULL)
		SKIP("fixture tiny-gpt2 absent");
	voc = xasprintf("%s/vocab.json", dir);
	mer = xasprintf("%s/merges.txt", dir);
	if ((t = tok_load(voc, mer, &cause)) == NULL)
		HARD("%s", cause);
	ids[0] = id_of(t, "Happy");
	ids[1] = id_of(t, " birthday");
	ids[2] = id_of(t, " to");
	happy = id_of(t, " happy");
	sad = id_of(t, " sad");
	x = id_of(t, "x");

	/* 2 rows x 3 positions, top-3 each; row 1 is the final. */
	memset(cells, 0, sizeof cells);
	for (i = 0; i < 2 * 3 * 3; i++) {
		tops[i].id = x;
		tops[i].prob = 0.1f * (float)(3 - i % 3);
		tops[i].logit = 0.0f;
	}
	tops[(0 * 3 + 0) * 3 + 1].id = happy;	/* row 0 @ 0: #2 */
	tops[(1 * 3 + 0) * 3 + 0].id = happy;	/* row 1 @ 0: top-1 */
	tops[(1 * 3 + 2) * 3 + 0].id = ids[1];	/* row 1 @ 2: an input */
	tops[(1 * 3 + 2) * 3 + 1].id = sad;
	for (i = 0; i < 6; i++)
		cells[i].next_id = -1;
	memset(&s, 0, sizeof s);
	s.T = 3;
	s.nrows = 2;
	s.top_k = 3;
	s.ids = ids;
	s.rows = rows;
	s.cells = cells;
	s.tops = tops;
	memset(&f, 0, sizeof f);
	f.tok = t;
	f.n_vocab = tok_vocab_size(t);
	f.snap = &s;
	f.metric = METRIC_PROB;

	/* Search: nothing without a pattern; then "HAPPY" everywhere. */
	CHECK(ui_snap_match(&f, 1, 0) == 0, "no pattern");
	f.pattern = xstrdup("HAPPY");
	CHECK(ui_snap_input_match(&f, 0) && !ui_snap_input_match(&f, 1),
	    "input row: 'Happy' only");
	CHECK(ui_snap_match(&f, 1, 0) == 1, "top-1 of row 1 @ 0");
	CHECK(ui_snap_match(&f, 0, 0) == 2, "entry #2 of row 0 @ 0");
	CHECK(ui_snap_match(&f, 0, 1) == 0, "no match at row 0 @ 1");
	CHECK(ui_snap_rows(&f) == 2, "rows");

	/* Mask: row 1 @ 2's top-1 is an input token; " sad" is shown. */
	CHECK(ui_snap_shown_top(&f, 1, 2) == &tops[(1 * 3 + 2) * 3 + 0],
	    "unmasked: the top-1");
	f.mask = 1;
	CHECK(ui_snap_shown_top(&f, 1, 2) == &tops[(1 * 3 + 2) * 3 + 1],
	    "masked: the second entry");
	CHECK(ui_snap_value(&f, 1, 2, &v) && v == tops[(1 * 3 + 2) * 3 +
	    1].prob, "masked value %g", (double)v);
	f.mask = 0;

	/* Delta: the row minus the row below; none for the lowest row. */
	tops[(1 * 3 + 1) * 3].prob = 0.75f;
	tops[(0 * 3 + 1) * 3].prob = 0.25f;
	f.delta = 1;
	CHECK(ui_snap_delta(&f, 1, 1, &v) && fabsf(v - 0.5f) < 1e-6f,
	    "delta %g", (double)v);
	CHECK(!ui_snap_delta(&f, 0, 1, &w), "no delta on the lowest row");
	CHECK(fabsf(ui_snap_delta_range(&f) - 0.5f) < 1e-6f, "range %g",
	    (double)ui_snap_delta_range(&f));

	free(f.pattern);
	tok_free(t);
	free(voc);
	free(mer);
	free(dir);
	return (harness_done());
}
