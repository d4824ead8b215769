/*
 * test-ui-palette.c: metrics, scales, ramps, buckets, glyphs and keys.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "harness.h"
#include "metric.h"
#include "cfg.h"
#include "lens.h"
#include "ui-keys.h"
#include "ui-palette.h"

static void
test_names(void)
{
	int	i;

	for (i = 0; metric_config_names[i] != NULL; i++)
		CHECK(ui_palette_metric(metric_config_names[i]) >= 0,
		    "cfg metric '%s' unknown to the UI", metric_config_names[i]);
	CHECK(i == UI_METRIC_COUNT, "%d cfg metrics, %d UI metrics", i,
	    UI_METRIC_COUNT);
	for (i = 0; cfg_palettes[i] != NULL; i++)
		CHECK(ui_palette_find(cfg_palettes[i]) >= 0,
		    "cfg palette '%s' unknown to the UI", cfg_palettes[i]);
	CHECK(ui_palette_metric("colour") == -1, "unknown metric");
	CHECK(strcmp(ui_palette_metric_name(UI_METRIC_KL), "kl") == 0, "kl");
	for (i = 0; i < UI_METRIC_ALL; i++)
		CHECK(ui_palette_metric(ui_palette_metric_name(i)) == i,
		    "metric %d's name '%s' names another", i,
		    ui_palette_metric_name(i));
	CHECK(ui_palette_metric("track-rank") == UI_METRIC_TRACK_RANK,
	    "track-rank");
}

static void
test_scale(void)
{
	struct lens_cell	c;
	struct lens_top		t = { 5, 0.25f, 3.0f };
	float			v;

	memset(&c, 0, sizeof c);
	c.next_id = -1;
	c.kl = 0.5f;
	CHECK(ui_palette_value(UI_METRIC_PROB, &c, &t, &v) && v == 0.25f,
	    "prob %g", (double)v);
	CHECK(!ui_palette_value(UI_METRIC_NEXT_RANK, &c, &t, &v),
	    "no next token at the last position");
	CHECK(ui_palette_value(UI_METRIC_KL, &c, &t, &v) && v == 0.5f, "kl");

	CHECK_NEAR(ui_palette_norm(UI_METRIC_PROB, 0.25f, 0, 0, 10), 0.25,
	    1e-6, "prob is linear");
	CHECK(ui_palette_norm(UI_METRIC_PROB, NAN, 0, 0, 10) == 0.0f, "NaN");
	CHECK_NEAR(ui_palette_norm(UI_METRIC_FINAL_LOGIT, 5, 0, 10, 10), 0.5,
	    1e-6, "logit in range");
	CHECK(ui_palette_norm(UI_METRIC_FINAL_LOGIT, 5, 5, 5, 10) == 1.0f,
	    "empty logit range");
	CHECK(ui_palette_norm(UI_METRIC_KL, 0.0f, 0, 0, 10) == 1.0f, "kl 0");
	CHECK(ui_palette_norm(UI_METRIC_KL, 1000.0f, 0, 0, 10) == 0.0f,
	    "kl clipped");
	CHECK_NEAR(ui_palette_norm(UI_METRIC_KL, 0.316228f, 0, 0, 10), 0.5,
	    1e-4, "kl is log scaled");
	CHECK_NEAR(ui_palette_norm(UI_METRIC_ENTROPY, logf(10), 0, 0, 10),
	    0.0, 1e-6, "max entropy");
	CHECK(ui_palette_rank_bucket(1) == 0 && ui_palette_rank_bucket(2) == 1
	    && ui_palette_rank_bucket(5) == 1 && ui_palette_rank_bucket(6) == 2
	    && ui_palette_rank_bucket(20) == 2 &&
	    ui_palette_rank_bucket(21) == 3 && ui_palette_rank_bucket(100) == 3
	    && ui_palette_rank_bucket(101) == 4, "rank buckets");
	CHECK(ui_palette_norm(UI_METRIC_TRACK_RANK, 1, 0, 0, 10) == 1.0f &&
	    ui_palette_norm(UI_METRIC_TRACK_RANK, 7, 0, 0, 10) == 0.5f &&
	    ui_palette_norm(UI_METRIC_TRACK_RANK, 101, 0, 0, 10) == 0.0f,
	    "a tracked token's rank in the rank buckets");
	CHECK(ui_palette_norm(UI_METRIC_NEXT_RANK, 1, 0, 0, 10) == 1.0f &&
	    ui_palette_norm(UI_METRIC_NEXT_RANK, 7, 0, 0, 10) == 0.5f &&
	    ui_palette_norm(UI_METRIC_FINAL_RANK, 5000, 0, 0, 10) == 0.0f,
	    "ranks");
}

static void
test_colours(void)
{
	int	p, i, fg, bg, prev;

	for (p = 0; p < UI_PAL_COUNT; p++) {
		for (i = 0; i < ui_palette_ramp_len(p); i++)
			CHECK(ui_palette_ramp(p, i) >= 16 &&
			    ui_palette_ramp(p, i) <= 255,
			    "%s uses themed colour %d", ui_palette_name(p),
			    ui_palette_ramp(p, i));
		CHECK(ui_palette_xterm(p, 0.0f) == ui_palette_ramp(p, 0) &&
		    ui_palette_xterm(p, 1.0f) == ui_palette_ramp(p,
		    ui_palette_ramp_len(p) - 1), "%s ends", ui_palette_name(p));
		CHECK(ui_palette_dark(ui_palette_ramp(p, 0)) &&
		    !ui_palette_dark(ui_palette_ramp(p,
		    ui_palette_ramp_len(p) - 1)), "%s: dark to light",
		    ui_palette_name(p));
	}
	CHECK(ui_palette_xterm(UI_PAL_VIRIDIS, 0.5f) == 31 ||
	    ui_palette_xterm(UI_PAL_VIRIDIS, 0.5f) == 36, "viridis middle");
	CHECK(ui_palette_dark(16) && !ui_palette_dark(231), "black, white");
	prev = -1;
	for (i = 0; i <= 20; i++) {
		p = ui_palette_bucket(i / 20.0f);
		CHECK(p >= prev && p < UI_NBUCKETS, "buckets rise: %d", p);
		prev = p;
	}
	CHECK(ui_palette_bucket(0) == 0 && ui_palette_bucket(1) == 4,
	    "bucket ends");
	ui_palette_ansi(0, &fg, &bg);
	CHECK(fg != bg, "readable bucket");
	CHECK(strcmp(ui_palette_glyph(0, 1), ".") == 0 &&
	    strcmp(ui_palette_glyph(1, 1), "@") == 0, "ascii glyphs");
	CHECK(strcmp(ui_palette_glyph(1, 0), "\xe2\x96\x88") == 0, "full bar");
}

static void
test_legend(void)
{
	char	lo[16], hi[16];

	ui_palette_ends(UI_METRIC_KL, 0, 0, lo, hi, sizeof lo);
	CHECK(strcmp(lo, ">=10") == 0 && strcmp(hi, "<=0.01") == 0,
	    "kl legend %s %s", lo, hi);
	ui_palette_ends(UI_METRIC_NEXT_RANK, 0, 0, lo, hi, sizeof lo);
	CHECK(strcmp(lo, ">100") == 0 && strcmp(hi, "1") == 0, "rank legend");
}

static void
test_keys(void)
{
	struct ui_keys	*k = ui_keys_new();
	char		 buf[64], *cause = NULL;
	int		 a;

	CHECK(ui_keys_action(k, 'q') == UI_A_QUIT, "q quits");
	CHECK(ui_keys_action(k, 'j') == UI_A_DOWN, "j");
	CHECK(ui_keys_action(k, ui_keys_parse("Down")) == UI_A_DOWN, "Down");
	CHECK(ui_keys_action(k, ui_keys_parse("F1")) == UI_A_HELP, "F1");
	CHECK(ui_keys_action(k, UI_KEY_CTRL('l')) == UI_A_REDRAW, "C-l");
	CHECK(ui_keys_parse("C-l") == 12, "C-l is 12");
	CHECK(ui_keys_parse("F13") == -1 && ui_keys_parse("Foo") == -1,
	    "bad names");
	CHECK(strcmp(ui_keys_key_name(ui_keys_parse("F2"), buf, sizeof buf),
	    "F2") == 0, "F2 name: %s", buf);
	CHECK(strcmp(ui_keys_key_name(UI_KEY_CTRL('d'), buf, sizeof buf),
	    "C-d") == 0, "C-d name: %s", buf);
	ui_keys_keys(k, UI_A_DOWN, buf, sizeof buf);
	CHECK(strcmp(buf, "j Down") == 0, "keys of down: %s", buf);

	CHECK(ui_keys_bind(k, "quit", "x", &cause) == 0, "bind x");
	CHECK(ui_keys_action(k, 'x') == UI_A_QUIT, "x quits now");
	CHECK(ui_keys_bind(k, "down", "q", &cause) == 0, "rebind q");
	CHECK(ui_keys_action(k, 'q') == UI_A_DOWN, "q moves down now");
	CHECK(ui_keys_bind(k, "explode", "z", &cause) == -1 && cause != NULL &&
	    strstr(cause, "explode") != NULL, "unknown action: %s", cause);
	free(cause);
	cause = NULL;
	CHECK(ui_keys_bind(k, "quit", "Hyper-q", &cause) == -1, "bad key");
	free(cause);
	for (a = UI_A_NONE + 1; a < UI_A_COUNT; a++)
		CHECK(ui_keys_find(ui_keys_name(a)) == a, "action %d named", a);
	ui_keys_free(k);
}

int
main(void)
{
	test_names();
	test_scale();
	test_colours();
	test_legend();
	test_keys();
	return (harness_done());
}
