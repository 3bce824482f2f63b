"""Small groups are never shown, nor any figure from which one could be worked out."""

from __future__ import annotations

import itertools
import random

from shuxiang.analytics.suppression import derivable, suppress, suppress_column

K = 10


def _check(cells, grid):
    rows = grid.rows()
    for r, row in enumerate(rows):
        for c, shown in enumerate(row):
            if shown is not None:
                assert not 0 < shown < K, (r, c, shown)
    height, width = len(rows), len(rows[0])
    for r in range(height):  # no row (cells and total) with exactly one suppressed entry
        assert sum(v is None for v in rows[r]) != 1
    for c in range(width):
        assert sum(rows[r][c] is None for r in range(height)) != 1
    assert not derivable(grid), "a suppressed value follows from the shown ones"


def test_a_small_cell_is_hidden_and_so_is_its_complement_in_the_total():
    shown, total = suppress_column([120, 40, 3], K)
    assert shown[2] is None
    assert shown.count(None) == 2, "one more cell hidden so total − others ≠ the small cell"
    assert total == 163


def test_a_total_below_k_is_hidden_with_its_cells():
    shown, total = suppress_column([4, 3], K)
    assert shown == [None, None] and total is None


def test_zero_is_not_a_small_group():
    shown, total = suppress_column([0, 50, 60], K)
    assert shown == [0, 50, 60] and total == 110


def test_weekday_by_hour_grid_with_subtotals_leaks_nothing():
    rng = random.Random(3)
    cells = [[rng.choice([0, 2, 5, 12, 30, 80]) for _ in range(24)] for _ in range(7)]
    grid = suppress(cells, K)
    _check(cells, grid)
    assert grid.hidden, "the grid had small cells"


def test_every_small_table_is_safe():
    for values in itertools.product([0, 1, 9, 10, 25], repeat=4):
        cells = [list(values[:2]), list(values[2:])]
        _check(cells, suppress(cells, K))


def test_a_single_small_cell_in_a_grid_takes_complements_in_its_row_and_column():
    cells = [[100, 100], [100, 3]]
    grid = suppress(cells, K)
    _check(cells, grid)
    assert (1, 1) in grid.hidden and len(grid.hidden) >= 4
