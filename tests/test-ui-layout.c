/*
 * test-ui-layout.c: screen geometry, scrolling and display widths.
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "harness.h"
#include "ui-layout.h"

static void
test_compute(void)
{
	struct ui_layout	l;

	ui_layout_compute(&l, 100, 30, 8, 8, 16);
	CHECK(!l.too_small, "100x30 fits");
	CHECK(l.panel_w == UI_PANEL_W && l.panel_x == 100 - UI_PANEL_W,
	    "panel on the right: x %d w %d", l.panel_x, l.panel_w);
	CHECK(l.grid_x == 9, "grid after the labels: %d", l.grid_x);
	CHECK(l.vis_cols == (100 - UI_PANEL_W - 9) / 9, "vis_cols %d",
	    l.vis_cols);
	CHECK(l.grid_y + l.vis_rows == l.legend_y, "grid reaches the legend");
	CHECK(l.status_y == 29 && l.legend_y == 28, "bottom lines");

	ui_layout_compute(&l, 60, 30, 8, 8, 16);
	CHECK(l.panel_w == 60 && l.panel_y + l.panel_h == l.legend_y,
	    "panel below on a narrow terminal: y %d h %d", l.panel_y,
	    l.panel_h);
	CHECK(l.grid_y + l.vis_rows <= l.panel_y, "grid above the panel");
	CHECK(l.vis_cols == 5, "vis_cols %d", l.vis_cols);

	ui_layout_compute(&l, 60, 15, 8, 8, 16);
	CHECK(l.vis_rows >= 1 && l.grid_y + l.vis_rows <= l.legend_y,
	    "short terminal: rows %d", l.vis_rows);

	ui_layout_compute(&l, 39, 30, 8, 8, 16);
	CHECK(l.too_small, "39 columns are too few");
	ui_layout_compute(&l, 80, 9, 8, 8, 16);
	CHECK(l.too_small, "9 lines are too few");
	ui_layout_compute(&l, 1, 1, 8, 8, 16);
	CHECK(l.too_small, "1x1");
}

static void
test_scroll(void)
{
	CHECK(ui_layout_scroll(0, 0, 5, 100) == 0, "at the start");
	CHECK(ui_layout_scroll(5, 0, 5, 100) == 1, "one past the end");
	CHECK(ui_layout_scroll(99, 0, 5, 100) == 95, "to the last");
	CHECK(ui_layout_scroll(3, 10, 5, 100) == 3, "back up");
	CHECK(ui_layout_scroll(2, 50, 5, 3) == 0, "all fit");
	CHECK(ui_layout_scroll(7, 6, 5, 8) == 3, "shrunk list");
	CHECK(ui_layout_scroll(0, 0, 0, 0) == 0, "empty");
	CHECK(ui_layout_row(0, 4, 1) == 3, "final on top");
	CHECK(ui_layout_row(0, 4, 0) == 0, "embed on top");
}

static void
test_hit(void)
{
	struct ui_layout	l;
	int			line, col;

	ui_layout_compute(&l, 100, 30, 8, 8, 16);
	CHECK(ui_layout_hit(&l, l.grid_x, l.grid_y, &line, &col) == 0 &&
	    line == 0 && col == 0, "first cell");
	CHECK(ui_layout_hit(&l, l.grid_x + 9 * 2 + 3, l.grid_y + 4, &line,
	    &col) == 0 && line == 4 && col == 2, "line %d col %d", line, col);
	CHECK(ui_layout_hit(&l, 2, l.grid_y, &line, &col) == -1, "label");
	CHECK(ui_layout_hit(&l, l.grid_x, 0, &line, &col) == -1, "prompt");
}

static void
test_fit(void)
{
	char	out[64];

	CHECK(ui_layout_width("abc", 3) == 3, "ascii");
	CHECK(ui_layout_width("\xc2\xb7the", 5) == 4, "middle dot");
	CHECK(ui_layout_width("\xe6\x97\xa5\xe6\x9c\xac", 6) == 4, "CJK");
	CHECK(ui_layout_width("\xe2", 1) == 1, "an invalid byte is one");

	ui_layout_fit("ab", 2, 5, 0, out, sizeof out);
	CHECK(strcmp(out, "ab   ") == 0, "padded: '%s'", out);
	ui_layout_fit("abcdefgh", 8, 5, 0, out, sizeof out);
	CHECK(strcmp(out, "abcd\xe2\x80\xa6") == 0, "ellipsis: '%s'", out);
	ui_layout_fit("abcdefgh", 8, 5, 1, out, sizeof out);
	CHECK(strcmp(out, "abcd~") == 0, "ascii ellipsis: '%s'", out);
	ui_layout_fit("abcde", 5, 5, 0, out, sizeof out);
	CHECK(strcmp(out, "abcde") == 0, "exact: '%s'", out);
	/* A wide character never straddles the edge. */
	ui_layout_fit("a\xe6\x97\xa5\xe6\x9c\xac", 7, 4, 0, out, sizeof out);
	CHECK(strcmp(out, "a\xe6\x97\xa5\xe2\x80\xa6") == 0, "wide: '%s'",
	    out);
	ui_layout_fit("\xe6\x97\xa5\xe6\x9c\xac", 6, 3, 0, out, sizeof out);
	CHECK(ui_layout_width(out, strlen(out)) == 3, "width 3: '%s'", out);
	ui_layout_fit("", 0, 3, 0, out, sizeof out);
	CHECK(strcmp(out, "   ") == 0, "empty");
	ui_layout_fit("abc", 3, 0, 0, out, sizeof out);
	CHECK(strcmp(out, "") == 0, "width 0: '%s'", out);
}

int
main(void)
{
	if (setlocale(LC_ALL, "C.UTF-8") == NULL &&
	    setlocale(LC_ALL, "en_US.UTF-8") == NULL)
		SKIP("no UTF-8 locale");
	test_compute();
	test_scroll();
	test_hit();
	test_fit();
	return (harness_done());
}
