"""A chapter's rows (its model and the ablations) as one study: trained per seed, scored on the
chapter's test sets, the model set against its blurred input, and the claims read under its floor.

A helper of the chapter modules, not a chapter (its name starts with ``_``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from ..book import stats
from ..nn.blocks import parameter_count
from ..training.archive import train_archived
from ._claims import Claim, own_distribution_gain, read_claims, read_with_floor
from ._runs import (
    against_input,
    against_input_summary,
    compare_on,
    input_table,
    per_set,
    rows_result,
    train_and_score,
    training_logs,
    versus,
)


def shared_experiment(chapter: str, row: str, budget: dict) -> str:
    """A row's experiment: another chapter's run where the budget's ``shared_runs`` names the row
    (chapter 7's U-Net floor, or its run of the chapter's own model trained the same way), else the
    chapter's own ``chapter:row``."""
    return budget.get("shared_runs", {}).get(row) or f"{chapter}:{row}"


def row_experiments(chapter: str, rows, build: Callable) -> dict[str, Callable]:
    """The chapter's named experiments: ``chapter:row`` -> ``build`` with the row bound, for each row."""
    return {f"{chapter}:{row}": partial(build, row) for row in rows}


def experiment_finder(chapter: str, budget: Callable[[str], dict]) -> Callable[[str, str], str]:
    """The chapter's ``experiment_of(row, profile)``: :func:`shared_experiment` under its budget at
    ``profile``."""

    def experiment_of(row: str, profile: str) -> str:
        """A row's experiment: the chapter's ``chapter:row``, or, where the budget's ``shared_runs``
        names the row, chapter 7's run (its U-Net floor, or the chapter's model trained the same way)."""
        return shared_experiment(chapter, row, budget(profile))

    return experiment_of


def scored_row(
    experiment: str, profile: str, seeds, device: str, sets: dict, paper=None, extra=None, train=train_archived
) -> dict:
    """``experiment`` trained for each seed (or loaded) and scored on ``sets`` (``extra(model,
    device)`` adds its dict per run; ``train`` as :func:`~._runs.train_and_score` takes it), with its
    parameters trained and, where ``paper`` builds the row's network at the paper's size, at that
    size (None: no paper size, as for the U-Net floor)."""
    runs, model = train_and_score(experiment, profile, seeds, device, sets, extra=extra, train=train)
    at_paper = parameter_count(paper()) if paper is not None else None
    return {"runs": runs, "parameters": {"trained": parameter_count(model), "paper": at_paper}}


VERDICTS = {verdict: verdict for verdict in stats.CLAIM_HIGHER}  # a verdict said as itself


@dataclass(frozen=True)
class RowStudy:
    """A chapter's rows (its model and the ablations), each trained per seed and scored on the
    chapter's test sets: the shape of its training, ablation and results files, and the model
    against its blurred input in a table and in words."""

    chapter: str
    score_row: Callable[..., dict]  # (row, profile, seeds, device, sets) -> {"runs": ..., ...}
    test_sets: Callable[..., dict]  # (profile, extended) -> {name: dataset}
    main_row: str
    main_label: str  # the model's name in sentences
    row_names: dict[str, str]
    own_sets: tuple[str, ...] = ("global", "mixed")  # the test sets of the main row's training distribution

    def result(self, rows, profile: str, seeds, device: str, extended: bool = False) -> dict:
        """Every row of ``rows`` for each seed on the test sets (``extended``: with the real ones)."""
        return rows_result(
            lambda row, sets: self.score_row(row, profile, seeds, device, sets), rows, self.test_sets(profile, extended)
        )

    def training_result(self, profile: str, seeds, device: str) -> dict:
        """The model alone for each seed on the test sets, and its training logs (of the experiment
        that ``score_row`` trained: a row may be another chapter's run)."""
        res = self.result((self.main_row,), profile, seeds, device)
        experiment = res["rows"][self.main_row]["runs"][0]["experiment"]
        return {**res, "logs": training_logs(experiment, profile, seeds, device)}

    def training_table(self, res: dict) -> str:
        """The model on each test set against its blurred input (paired over images and seeds)."""
        return input_table(res["blurred"], res["rows"][self.main_row]["runs"], self.row_names[self.main_row])

    def training_summary(self, res: dict) -> str:
        """The model against its blurred input on each test set, in words chosen by the verdicts."""
        return against_input_summary(res["blurred"], res["rows"][self.main_row]["runs"], self.main_label)

    def input_claims(self, res: dict, label: str) -> list[Claim]:
        """The main row against its blurred input on every test set (the book's question; not gated:
        it is the floor's own question on every set), resampling each set's clusters."""
        runs = res["rows"][self.main_row]["runs"]
        return [
            Claim(f"{label}, {t} (the book's question)", compare_on(runs, t, values, base), gated=False)
            for t, (values, base, _) in against_input(res["blurred"], runs).items()
        ]

    @staticmethod
    def with_floor(rows: tuple[str, ...], budget: dict) -> tuple[str, ...]:
        """``rows`` and ``unet`` (chapter 7's U-Net of the model's size, trained under the same
        protocol) where the budget's ``shared_runs`` names one."""
        return tuple(rows) + (("unet",) if "unet" in budget.get("shared_runs", {}) else ())

    def unet_claims(self, res: dict) -> list[Claim]:
        """The main row against the U-Net of its size on every test set (where the results have one):
        issue 24's floor of equal size, the book's question."""
        rows = res["rows"]
        if "unet" not in rows:
            return []
        label = f"{self.main_label} beats a plain U-Net of its size trained the same way (the book's question)"
        return [
            Claim(f"{label}, {t}", versus(rows, self.main_row, "unet", t)) for t in per_set(rows[self.main_row]["runs"])
        ]

    def describe(self, res: dict, comparison: stats.Comparison, unit: str = "dB") -> str:
        """A comparison that rests on the model in a summary's words: "higher: +0.82 dB [+0.23,
        +1.41]" where the main row clears the floor on its own training distribution, else no verdict
        and the difference alone (as :func:`~._claims.read_claims` reads a gated claim)."""
        floor = own_distribution_gain(res["blurred"], res["rows"][self.main_row]["runs"], self.own_sets)
        return read_claims([Claim("", comparison, words=VERDICTS, unit=unit)], floor)[0][1]

    def read(self, res: dict, claims: list[Claim]) -> list[tuple[str, str]]:
        """``claims`` read as one family under the main row's floor (:func:`read_with_floor`)."""
        return read_with_floor(res, self.main_row, self.main_label, self.own_sets, claims)
