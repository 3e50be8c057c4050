"""Label and figure rows (totals, receipt) that never break a figure: on a narrow panel the
labels give way (shortened with "…"), the figures stay whole on their line."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.content import Content

Row = tuple[str, str, str]
"""A label, its figure and the figure's style."""


def figure_rows(rows: Sequence[Row], width: int | None = None) -> list[Content]:
    """One line per row: labels padded to one column, then the figures; fitted to ``width``."""
    label_width = max(cell_len(label) for label, _figure, _style in rows) + 2
    figure_width = max(cell_len(figure) for _label, figure, _style in rows)
    if width is not None and width > 0 and label_width + figure_width > width:
        label_width = max(width - figure_width, 4)
    lines = []
    for label, figure, style in rows:
        shown = label
        if cell_len(label) + 1 > label_width:
            shown = Content(label).truncate(label_width - 1, ellipsis=True).plain
        padding = " " * (label_width - cell_len(shown))
        lines.append(Content.assemble(shown, padding, (figure, style)))
    return lines
