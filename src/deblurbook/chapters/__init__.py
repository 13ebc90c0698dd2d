"""The top floor: one module per chapter (``chNN``), each holding what is that
chapter's alone: its budgets per profile (``BUDGETS``), its named experiments
(``EXPERIMENTS``), its paper's quoted numbers, its tables and its claims.

May import every other layer. Nothing here names a chapter: chapters are
found by discovery, so a new chapter adds a module and edits no registry.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from ..book import pages
from ._runs import stale_runs

pages.set_stale_check(stale_runs)  # every results page checks the reference runs it shows


def modules() -> list[ModuleType]:
    """Every chapter module of this package, in chapter order (helpers named ``_*`` are not chapters)."""
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
        if not info.name.startswith("_")
    ]


def module_of(chapter: str) -> ModuleType:
    """The module of chapter ``chapter`` ("chNN")."""
    found = [m for m in modules() if m.CHAPTER == chapter]
    if not found:
        raise ValueError(f"no chapter {chapter!r}; known: {[m.CHAPTER for m in modules()]}")
    return found[0]


def main_experiments() -> list[str]:
    """Each training chapter's model (its module's ``MAIN_EXPERIMENT``), in chapter order."""
    return [m.MAIN_EXPERIMENT for m in modules() if hasattr(m, "MAIN_EXPERIMENT")]


SCORING_RECORD = "scoring"  # results/<profile>/<chapter>/scoring.json


def scoring_record(chapter: str, profile: str) -> dict:
    """What a chapter's results at ``profile`` depend on besides its training runs (whose identities
    the files record): the chapter's code and all it imports but the book's presentation layer (how
    it scores: its test sets, their sizes, what is measured), and its budget at ``profile`` (the
    evaluation settings among them)."""
    from ..core.provenance import code_digest

    module = module_of(chapter)
    return {
        "code": code_digest([module.__name__], skip=("deblurbook.book",)),
        "settings": getattr(module, "BUDGETS", {}).get(profile, {}),
    }


def save_scoring_record(profile: str, chapter: str, threads: int) -> str | None:
    """Write ``chapter``'s :func:`scoring_record` at ``profile`` beside its results, with the torch
    thread count its notebooks ran at (a CPU result repeats bit for bit only at the same count);
    nothing for a chapter without a module (the book's introduction)."""
    from ..core import results

    if chapter not in {m.CHAPTER for m in modules()}:
        return None
    return results.save(profile, chapter, SCORING_RECORD, {**scoring_record(chapter, profile), "threads": threads})


def budgets_table() -> str:
    """Each chapter's budget per profile, one row per (chapter, setting), as Markdown."""
    from ..book.tables import markdown_table
    from ..core.profiles import PROFILES

    def show(value) -> str:
        return (", ".join(map(str, value)) or "none") if isinstance(value, tuple) else str(value)

    rows = []
    for module in modules():
        budgets = getattr(module, "BUDGETS", {})
        keys = list(dict.fromkeys(k for b in budgets.values() for k in b))
        rows += [[module.CHAPTER, key] + [show(budgets.get(p, {}).get(key, "-")) for p in PROFILES] for key in keys]
    return markdown_table(["chapter", "setting", *PROFILES], rows)


def headlines(profile: str = "small") -> str:
    """Every chapter's headline results (its ``headline(profile)`` sentences) as Markdown bullets."""
    lines = [
        f"- **{module.CHAPTER}**: {sentence}"
        for module in modules()
        if hasattr(module, "headline")
        for sentence in module.headline(profile)
    ]
    return "\n".join(lines) or f"*No committed `{profile}` results yet.*"
