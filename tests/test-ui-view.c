/*
 * test-ui-view.c: candidates across layers, masking, the delta scale,
 * numbers in a cell, sparklines.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "lens.h"
#include "ui-palette.h"
#include "ui-view.h"

/* tops of 3 rows x 2 positions x k=3, as a snapshot holds them. */
static const struct lens_top tops[3 * 2 * 3] = {
	/* row 0 */
	{ 10, 0.50f, 3 }, { 11, 0.20f, 2 }, { 12, 0.10f, 1 },	/* pos 0 */
	{ 20, 0.40f, 3 }, { 21, 0.30f, 2 }, { 22, 0.05f, 1 },	/* pos 1 */
	/* row 1 */
	{ 11, 0.60f, 3 }, { 10, 0.30f, 2 }, { 13, 0.05f, 1 },
	{ 23, 0.90f, 3 }, { 20, 0.05f, 2 }, { 21, 0.01f, 1 },
	/* row 2 (final) */
	{ 12, 0.70f, 3 }, { 14, 0.20f, 2 }, { 10, 0.05f, 1 },
	{ 20, 0.30f, 3 }, { 21, 0.30f, 2 }, { 24, 0.20f, 1 },
};

static void
test_cands(void)
{
	struct ui_cand	c[16];
	int		n, i;

	/* Position 0: 10 max .5 at row 0; 11 .6 at 1; 12 .7 at 2; 13; 14. */
	n = ui_view_cands(tops, 3, 2, 3, 0, c, 16);
	CHECK(n == 5, "5 distinct tokens at pos 0, got %d", n);
	CHECK(c[0].id == 12 && c[0].prob == 0.70f && c[0].row == 2,
	    "first %d %g %d", c[0].id, (double)c[0].prob, c[0].row);
	CHECK(c[1].id == 11 && c[1].prob == 0.60f && c[1].row == 1,
	    "second %d", c[1].id);
	CHECK(c[2].id == 10 && c[2].prob == 0.50f && c[2].row == 0,
	    "third: the middle-layer idea that vanishes, %d", c[2].id);
	CHECK(c[3].id == 14 && c[4].id == 13, "then 14, 13: %d %d", c[3].id,
	    c[4].id);
	for (i = 1; i < n; i++)
		CHECK(c[i - 1].prob >= c[i].prob, "sorted at %d", i);

	/* Position 1: 23 .9 (row 1); 20 .4 (row 0); 21 .3 ties: row 0. */
	n = ui_view_cands(tops, 3, 2, 3, 1, c, 3);
	CHECK(n == 3, "max 3, got %d", n);
	CHECK(c[0].id == 23 && c[0].row == 1, "23 first");
	CHECK(c[1].id == 20 && c[1].row == 0 && c[1].prob == 0.40f, "20");
	CHECK(c[2].id == 21 && c[2].row == 0, "21 keeps its first row");
	CHECK(ui_view_cands(tops, 3, 2, 3, 2, c, 3) == 0, "pos out of range");
}

static void
test_mask(void)
{
	const int	ids[] = { 12, 99, 14 };

	/* Row 2 pos 0: 12 and 14 are input tokens, 10 is not. */
	CHECK(ui_view_mask(&tops[12], 3, ids, 3) == 2, "the third survives");
	/* Only the input up to the position counts (12 only). */
	CHECK(ui_view_mask(&tops[12], 3, ids, 1) == 1, "14 not yet seen");
	CHECK(ui_view_mask(&tops[12], 3, ids, 0) == 0, "nothing masked");
	CHECK(ui_view_mask(&tops[12], 2, ids, 3) == -1, "all copy");
	CHECK(ui_view_in(99, ids, 3) && !ui_view_in(98, ids, 3), "in");
}

static void
test_delta(void)
{
	CHECK(ui_view_diverge(0.0f, 1.0f) == 0.5f, "no change, middle");
	CHECK(ui_view_diverge(1.0f, 1.0f) == 1.0f, "rise");
	CHECK(ui_view_diverge(-1.0f, 1.0f) == 0.0f, "fall");
	CHECK(ui_view_diverge(-3.0f, 1.0f) == 0.0f, "clipped");
	CHECK_NEAR(ui_view_diverge(0.25f, 0.5f), 0.75, 1e-6, "linear");
	CHECK(ui_view_diverge(0.3f, 0.0f) == 0.5f, "no range");
	CHECK(ui_view_diverge(NAN, 1.0f) == 0.5f, "NaN");
}

static void
test_num(void)
{
	char	b[32];

	CHECK(strcmp(ui_view_num(0.1234f, 0, 6, b, sizeof b), "0.1234") == 0,
	    "%s", b);
	CHECK(strcmp(ui_view_num(0.1234f, 1, 6, b, sizeof b), "+0.123") == 0,
	    "%s", b);
	CHECK(strcmp(ui_view_num(-0.5f, 1, 6, b, sizeof b), "-0.500") == 0,
	    "%s", b);
	CHECK(strcmp(ui_view_num(0.0f, 1, 6, b, sizeof b), "+0.000") == 0,
	    "%s", b);
	CHECK(strcmp(ui_view_num(3e-5f, 0, 6, b, sizeof b), "3e-05") == 0,
	    "%s", b);
	CHECK(strcmp(ui_view_num(-3e-5f, 1, 6, b, sizeof b), "-3e-05") == 0,
	    "%s", b);
	CHECK(strcmp(ui_view_num(-123.456f, 1, 6, b, sizeof b), "-123.5") ==
	    0, "%s", b);
	CHECK(strcmp(ui_view_num(12345.0f, 1, 6, b, sizeof b), "+12345") == 0,
	    "%s", b);
	CHECK(strlen(ui_view_num(-1.5e9f, 1, 6, b, sizeof b)) <= 6, "%s", b);
	CHECK_NEAR(atof(ui_view_num(0.00731f, 0, 6, b, sizeof b)), 0.00731,
	    5e-5, "%s", b);
}

static void
test_spark(void)
{
	const float	v[] = { 0.0f, 0.5f, 1.0f, NAN, 0.9f };
	char		b[64];

	ui_view_spark(v, 5, 0, b, sizeof b);
	CHECK(strcmp(b, "\xe2\x96\x81\xe2\x96\x85\xe2\x96\x88 "
	    "\xe2\x96\x87") == 0, "bars: %s", b);
	CHECK(strcmp(ui_view_spark(v, 5, 1, b, sizeof b), ".+@ %") == 0,
	    "ascii: %s", b);
	/* Each value is the glyph the grid would use. */
	CHECK(strcmp(ui_view_spark(&v[4], 1, 0, b, sizeof b),
	    ui_palette_glyph(0.9f, 0)) == 0, "same glyph as the grid");
	CHECK(strcmp(ui_view_spark(v, 5, 0, b, 7), "\xe2\x96\x81\xe2\x96\x85")
	    == 0, "truncated on a glyph boundary: %s", b);
}

int
main(void)
{
	test_cands();
	test_mask();
	test_delta();
	test_num();
	test_spark();
	return (harness_done());
}
