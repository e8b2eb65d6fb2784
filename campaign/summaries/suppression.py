"""Hiding small numbers in anything shown to candidates or the public.

A count of 1 to 4 people could point at someone ("the 2 people in Craven who said no"), so it is
shown as "fewer than 5". Zero describes nobody and is shown. Hiding one cell is not enough when
the total is shown (total minus the others gives it back), so when a group of cells that adds up
to a shown total has exactly one hidden cell, the next smallest non-zero cell is hidden too.
"""

from __future__ import annotations

from collections.abc import Sequence

THRESHOLD = 5
FEWER_THAN = f"fewer than {THRESHOLD}"


def is_small(count: int) -> bool:
    return 0 < count < THRESHOLD


def hidden_cells(counts: Sequence[int], *, total_shown: bool = True) -> set[int]:
    """Indexes of the counts to hide in one group of cells (say, the options of one question)."""
    hidden = {index for index, count in enumerate(counts) if is_small(count)}
    if total_shown and len(hidden) == 1:
        others = sorted((count, index) for index, count in enumerate(counts) if index not in hidden and count > 0)
        if others:
            hidden.add(others[0][1])
    return hidden


def hidden_table_cells(table: Sequence[Sequence[int]]) -> set[tuple[int, int]]:
    """Cells to hide in a cross-tabulation whose row and column totals are shown.

    Primary suppression, then secondary suppression along rows and columns until no row or column
    has a single hidden cell that its total would give away.
    """
    hidden = {(r, c) for r, row in enumerate(table) for c, count in enumerate(row) if is_small(count)}
    columns = max((len(row) for row in table), default=0)
    changed = True
    while changed:
        changed = False
        lines = [[(r, c) for c in range(len(row))] for r, row in enumerate(table)]
        lines += [[(r, c) for r in range(len(table)) if c < len(table[r])] for c in range(columns)]
        for line in lines:
            in_line = [cell for cell in line if cell in hidden]
            if len(in_line) != 1:
                continue
            candidates = sorted((table[r][c], (r, c)) for r, c in line if (r, c) not in hidden and table[r][c] > 0)
            if candidates:
                hidden.add(candidates[0][1])
                changed = True
    return hidden


def shown(count: int, hidden: bool = False) -> str:
    """A count as text for a candidate or the public."""
    return FEWER_THAN if hidden or is_small(count) else f"{count:,}"
