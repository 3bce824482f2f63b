"""Small groups never shown (小样本抑制): primary and complementary cell suppression.

A report is a grid of counts with a total per row, per column and overall. Every entry with
0 < value < k is suppressed (primary). Then, so that no suppressed value can be worked out
from what is shown, more entries are suppressed (complementary): first until no row or column
(its cells and its total) has exactly one suppressed entry, then — checked exactly with linear
algebra over all row and column equations — until no suppressed entry is determined by the
shown ones. Zero cells are shown: an empty group reveals no one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Position = tuple[int, int]


@dataclass
class Grid:
    """Counts with totals: ``full[r][c]``; the last row and the last column are the totals."""

    full: list[list[int]]
    hidden: set[Position]

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.full), len(self.full[0])

    def shown(self, r: int, c: int) -> int | None:
        return None if (r, c) in self.hidden else self.full[r][c]

    def rows(self) -> list[list[int | None]]:
        """Every row with its total, the totals row last; None where suppressed."""
        height, width = self.shape
        return [[self.shown(r, c) for c in range(width)] for r in range(height)]


def with_totals(cells: list[list[int]]) -> list[list[int]]:
    """``cells`` with a total column appended to each row and a totals row appended."""
    rows = [list(row) + [sum(row)] for row in cells]
    width = len(rows[0]) if rows else 1
    rows.append([sum(row[c] for row in rows) for c in range(width)])
    return rows


def lines(height: int, width: int) -> list[list[Position]]:
    """Each row and each column as the entries that must add up (the total last)."""
    found = [[(r, c) for c in range(width)] for r in range(height)]
    found += [[(r, c) for r in range(height)] for c in range(width)]
    return found


def _cover(grid: Grid, line: list[Position]) -> bool:
    """Suppress the smallest shown entry of ``line`` (non-zero first); False if none is left."""
    shown = [p for p in line if p not in grid.hidden]
    if not shown:
        return False
    shown.sort(key=lambda p: (grid.full[p[0]][p[1]] == 0, grid.full[p[0]][p[1]], p))
    grid.hidden.add(shown[0])
    return True


def _single_hidden_lines(grid: Grid) -> list[list[Position]]:
    height, width = grid.shape
    return [ln for ln in lines(height, width) if sum(p in grid.hidden for p in ln) == 1]


def derivable(grid: Grid) -> set[Position]:
    """Suppressed entries whose value follows from the shown ones and the row/column sums."""
    hidden = sorted(grid.hidden)
    if not hidden:
        return set()
    index = {p: i for i, p in enumerate(hidden)}
    height, width = grid.shape
    equations = []
    for line in lines(height, width):
        *parts, total = line
        row = np.zeros(len(hidden))
        for p in parts:
            if p in index:
                row[index[p]] += 1
        if total in index:
            row[index[total]] -= 1
        if row.any():
            equations.append(row)
    if not equations:
        return set()
    matrix = np.array(equations)
    rank = np.linalg.matrix_rank(matrix)
    found = set()
    for p, i in index.items():
        unit = np.zeros(len(hidden))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(p)
    return found


def suppress(cells: list[list[int]], k: int) -> Grid:
    """The grid of ``cells`` and its totals with small groups and their complements suppressed."""
    full = with_totals(cells)
    grid = Grid(
        full, {(r, c) for r, row in enumerate(full) for c, v in enumerate(row) if 0 < v < k}
    )
    for _ in range(len(full) * len(full[0]) + 1):
        single = _single_hidden_lines(grid)
        if single:
            _cover(grid, single[0])
            continue
        exposed = derivable(grid)
        if not exposed:
            break
        target = min(exposed)
        height, width = grid.shape
        around = [ln for ln in lines(height, width) if target in ln]
        if not any(_cover(grid, ln) for ln in around):
            break
    return grid


def suppress_column(values: list[int], k: int) -> tuple[list[int | None], int | None]:
    """A one-column table: the shown values and the shown total."""
    grid = suppress([[v] for v in values], k)
    rows = grid.rows()
    return [row[0] for row in rows[:-1]], rows[-1][0]
