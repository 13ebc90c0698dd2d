"""What a results page shows, and in which order: the committed reference
results first, labelled with their budget, then this run's, labelled too.

The rendered book is executed at ``smoke`` (CI), whose numbers only prove
that the code runs; the book's results are the committed reference runs
(``small``, and ``paper``, the GPU reproduction, where it exists). Every table a results page prints
goes through :func:`table` with a caption that says whose numbers they are,
and a page executed at a non-reference profile opens with :func:`banner`.

A page executed *at* a reference profile is itself the new reference: its
"This run" sections replace the committed files of that profile, so the
reference sections skip that profile (they would show the files as they were
before the run). :func:`banner` records the page's profile for this.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Callable, Iterator

from IPython.display import Image, Markdown, display

from ..core import atomic
from ..core.device_policy import require_device
from ..core.paths import repo_root, results_dir
from ..core.results import load

# committed reproductions, in the order the book shows them: `paper` is the GPU reproduction (no profile is
# named `gpu`: a page executed at `paper` is a reference, not a smoke run)
REFERENCE_PROFILES = ("small", "paper")
BUDGET_WORDS = {
    "small": "the CPU reproduction (`small` profile: 2 CPU cores, minutes to hours a chapter)",
    "paper": "the GPU reproduction at the papers' settings (`paper` profile)",
}


_page_profile: str | None = None  # the profile this page is executed at (set by banner)
# data -> (runs the current code would train differently, runs recorded): set by the chapters layer
# (this layer cannot build experiments), so that every reference result is checked where it is shown
_stale_check: Callable[[dict], tuple[list[str], int]] | None = None


def set_stale_check(check: Callable[[dict], tuple[list[str], int]]) -> None:
    """How :func:`show_references` finds the stale runs of a results file (see ``_stale_check``)."""
    global _stale_check
    _stale_check = check


def shows_progress(profile: str) -> bool:
    """Whether training shows its progress bar (step rate, time left): at every profile a reader
    runs, not at ``smoke`` (CI's runs, whose pages are rendered)."""
    return profile != "smoke"


def banner(profile: str, device: str = "auto") -> None:
    """Record the page's profile; at a profile that is not a reference, say so at the top. A
    profile sized for GPUs stops here when ``device`` is ``"auto"`` and there is none
    (:func:`~deblurbook.core.device_policy.require_device`)."""
    global _page_profile
    require_device(profile, device)
    _page_profile = profile
    if profile in REFERENCE_PROFILES:
        display(
            Markdown(
                f":::{{note}}\nThis page was executed at the `{profile}` profile: its own tables "
                "are reference results of the book.\n:::"
            )
        )
        return
    display(
        Markdown(
            f":::{{important}}\nThis page was executed at the `{profile}` profile, which only proves "
            "that the code runs (a few training steps on a few images). The book's results are the "
            "committed reference runs, shown first and labelled *Reference*; the tables labelled "
            f"*This run ({profile})* come after them and carry no claim.\n:::"
        )
    )


def _label(caption: str, profile: str) -> str:
    who = "Reference" if profile in REFERENCE_PROFILES else "This run"
    return f"**{who} ({profile}): {caption}**"


def table(markdown: str, caption: str, profile: str) -> None:
    """A Markdown table with a caption naming whose numbers they are."""
    display(Markdown(f"{_label(caption, profile)}\n\n{markdown}"))


def show_figure(fig, caption: str, profile: str) -> None:
    """A figure under a caption naming whose results it draws (closed after, so it shows once)."""
    import matplotlib.pyplot as plt

    display(Markdown(_label(caption, profile)))
    display(fig)
    plt.close(fig)


def _reference_profiles() -> list[str]:
    return [p for p in REFERENCE_PROFILES if p != _page_profile]


def no_reference_text() -> str:
    """What a page says where a reference result would go and there is none to show."""
    if _page_profile in REFERENCE_PROFILES:
        return f"(this page's own `{_page_profile}` run, below, is the reference)"
    return "(no reference results committed yet)"


def references(chapter: str, name: str) -> Iterator[tuple[str, dict]]:
    """``(profile, data)`` of each committed reference result ``name`` of ``chapter``
    (but the profile the page runs at: see the module's docstring)."""
    for profile in _reference_profiles():
        data = load(profile, chapter, name, required=False)
        if data is not None:
            yield profile, data


def show_references(chapter: str, name: str, tables: dict[str, Callable[[dict], str]], missing: str = "") -> list[str]:
    """Every reference profile's tables for results file ``name``; returns the profiles shown."""
    shown = []
    for profile, data in references(chapter, name):
        display(Markdown(f"*{BUDGET_WORDS[profile]}, committed under `results/{profile}/{chapter}/`.*"))
        if _stale_check is not None:
            warn_if_stale(*_stale_check(data), profile)
        for caption, make in tables.items():
            table(make(data), caption, profile)
        shown.append(profile)
    if not shown and _page_profile in REFERENCE_PROFILES:
        display(Markdown(f"*The reference results are this page's own `{_page_profile}` run, in the sections below.*"))
    elif not shown:
        display(
            Markdown(
                f"*No committed reference results yet{': ' + missing if missing else ''}. Run* "
                "`make book PROFILE=small`."
            )
        )
    return shown


def warn_if_stale(stale: list[str], total: int, profile: str) -> None:
    """Say so above reference results that the current code would not reproduce:
    ``stale`` names such runs (``training.experiments.stale``) out of ``total``."""
    if stale:
        more = ", ..." if len(stale) > 3 else ""
        display(
            Markdown(
                f"**These reference results are stale**: the current code and settings would train "
                f"{len(stale)} of their {total} runs differently ({', '.join(stale[:3])}{more}). "
                f"Re-run `make book PROFILE={profile}` and commit `results/{profile}/`."
            )
        )


def save_figure(fig, profile: str, chapter: str, name: str, dpi: int = 80) -> Path:
    """Save a figure as a small PNG under ``results/<profile>/<chapter>/`` (atomically); returns its
    path relative to the checkout (a notebook cell that ends with the call shows no absolute path)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    path = results_dir(profile, chapter) / f"{name}.png"
    with atomic.atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
    return path.relative_to(repo_root())


def show_reference_figure(chapter: str, name: str, caption: str) -> list[str]:
    """The committed PNG ``name`` of every reference profile, captioned; returns the profiles shown."""
    shown = []
    for profile in _reference_profiles():
        path = results_dir(profile, chapter) / f"{name}.png"
        if path.is_file():
            display(Markdown(f"{_label(caption, profile)} (`{path.relative_to(repo_root())}`)"))
            display(Image(filename=str(path)))
            shown.append(profile)
    return shown


def headline_line(
    profile: str, chapter: str, name: str, notebook: str, label: str, summary: Callable[[dict], str]
) -> list[str]:
    """``["<label> ({doc} link to notebook): <summary(result)>."]`` when ``profile``'s results file
    ``name`` of ``chapter`` is committed, else ``[]``; ``notebook`` is ``chNN_<slug>/NN.MM-<title>``."""
    data = load(profile, chapter, name, required=False)
    if not data:
        return []
    link = f"{{doc}}`{notebook.split('/')[-1][:5]} <../notebooks/{notebook}>`"
    return [f"{label} ({link}): {summary(data)}."]
