"""Markdown tables for notebook outputs and generated pages (rendered as HTML
tables by the book: ``nb_render_markdown_format: myst``)."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence


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


def reference_claims(claims: Callable[[dict], Sequence[tuple[str, str]]]) -> Callable[[dict], str]:
    """A results page's view of its reference run's claims: ``claims(res)`` as a :func:`claims_table`."""
    return lambda res: claims_table(claims(res), "the reference run")


def parts_table(model, paper_names: dict[str, str] | None = None) -> str:
    """A model's top-level parts (its named children) with their parameter counts and share,
    and the total; ``paper_names`` labels a part with the paper's name for it."""
    total = sum(p.numel() for p in model.parameters() if p.requires_grad)
    rows = []
    for name, child in model.named_children():
        count = sum(p.numel() for p in child.parameters() if p.requires_grad)
        rows.append(
            [
                name,
                (paper_names or {}).get(name, "-"),
                type(child).__name__,
                f"{count:,}",
                f"{100 * count / max(total, 1):.1f}%",
            ]
        )
    rows.append(["total", "", "", f"{total:,}", "100%"])
    return markdown_table(["part", "in the paper", "module", "parameters", "share"], rows)
