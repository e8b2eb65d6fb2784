"""Hiding small numbers in anything shown to candidates or the public.

A count of 1 to 4 people could point at someone ("the 2 people in Craven who said no"), so it is
shown as "fewer than 5". Zero describes nobody and is shown. Hiding those cells is not enough when
a total is shown: the total minus the shown cells gives back the sum of the hidden ones, so one
hidden cell, or several adding up to less than 5, would be given away. More cells are withheld
(the smallest first) until the hidden cells in every group are at least two and add up to 5 or more.
"""

from __future__ import annotations

from collections.abc import Sequence

from campaign.i18n import gettext as _

THRESHOLD = 5
FEWER_THAN = f"fewer than {THRESHOLD}"
WITHHELD = "withheld"  # a cell of 5 or more, hidden so that a smaller one cannot be worked out


def is_small(count: int) -> bool:
    return 0 < count < THRESHOLD


def _needs_more(counts: Sequence[int], hidden: set[int]) -> bool:
    return bool(hidden) and (len(hidden) == 1 or sum(counts[i] for i in hidden) < THRESHOLD)


def hidden_cells(counts: Sequence[int], *, total_shown: bool = True) -> set[int]:
    """Indexes of the counts to hide in one group of cells that add up to a total (say, one question's options)."""
    hidden = {index for index, count in enumerate(counts) if is_small(count)}
    while total_shown and _needs_more(counts, hidden):
        others = sorted((count, index) for index, count in enumerate(counts) if index not in hidden and count > 0)
        if not others:
            break
        hidden.add(others[0][1])
    return hidden


def hidden_table_cells(table: Sequence[Sequence[int]]) -> set[tuple[int, int]]:
    """Cells to hide in a cross-tabulation whose row and column totals are shown: the same rule along
    every row and every column, repeated until no line gives a hidden cell away."""
    hidden = {(r, c) for r, row in enumerate(table) for c, count in enumerate(row) if is_small(count)}
    columns = max((len(row) for row in table), default=0)
    lines = [[(r, c) for c in range(len(row))] for r, row in enumerate(table)]
    lines += [[(r, c) for r in range(len(table)) if c < len(table[r])] for c in range(columns)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            values = [table[r][c] for r, c in line]
            in_line = {i for i, cell in enumerate(line) if cell in hidden}
            if not _needs_more(values, in_line):
                continue
            candidates = sorted((values[i], i) for i in range(len(line)) if i not in in_line and values[i] > 0)
            if candidates:
                hidden.add(line[candidates[0][1]])
                changed = True
    return hidden


def shown(count: int, hidden: bool = False) -> str:
    """A count as text for a candidate or the public."""
    if is_small(count):
        return fewer_than()
    return _("withheld") if hidden else f"{count:,}"


def fewer_than() -> str:
    """FEWER_THAN in the site's language, for pages (the API keeps the English)."""
    return _("fewer than %(threshold)s", threshold=THRESHOLD)


def widened_ranges(bins: list[tuple[float, float, int]]) -> list[tuple[float | None, float | None, int]]:
    """Merge the end ranges into "under X" and "X or more" until each holds THRESHOLD people:
    a range at either end with one person in it would say roughly what the lowest or highest answer was."""
    merged: list[tuple[float | None, float | None, int]] = list(bins)
    while len(merged) > 1 and merged[0][2] < THRESHOLD:
        first, second = merged[0], merged[1]
        merged[:2] = [(None, second[1], first[2] + second[2])]
    while len(merged) > 1 and merged[-1][2] < THRESHOLD:
        before, last = merged[-2], merged[-1]
        merged[-2:] = [(before[0], None, before[2] + last[2])]
    if len(merged) > 1:
        merged[0] = (None, merged[0][1], merged[0][2])
        merged[-1] = (merged[-1][0], None, merged[-1][2])
    return merged
