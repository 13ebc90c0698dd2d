"""Markdown tables for notebook outputs and generated pages (rendered as HTML
tables by the book: ``nb_render_markdown_format: myst``)."""

from __future__ import annotations

from typing import Any, Iterable, Sequence


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table: a header of ``columns`` and one line per row (cells as ``str``)."""
    lines = ["| " + " | ".join(map(str, columns)) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [str(cell) for cell in row]
        if len(cells) != len(columns):
            raise ValueError(f"a row has {len(cells)} cells for {len(columns)} columns: {cells}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def claims_table(claims: Sequence[tuple[str, str]], heading: str = "this run") -> str:
    """The paper's claims beside what the results say about each."""
    return markdown_table(("claim of the paper", heading), claims)
