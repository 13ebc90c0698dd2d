"""Run the book: papermill over the table of contents.

    python -m deblurbook reproduce --profile smoke [--chapter chNN]
        [--device auto|cpu|cuda] [--seed 0] [--keep-going] [--force]

Each notebook of ``_toc.yml`` is executed in order with ``profile``,
``device`` and ``seed`` injected into its ``parameters`` cell. Executed
copies go to ``_build/executed/<same path>``; the committed notebooks stay
without outputs. A notebook already executed with the same code (notebook
and package sources), inputs (the bundled real data) and parameters, and
whose recorded reads are unchanged, is skipped: while a notebook runs, the
package records every results file and checkpoint it loads (files another
notebook wrote), and the notebook runs again when any of them changes. The
results files it wrote (in its chapter's results folder) are recorded too: a
notebook whose results were deleted or edited runs again.
A notebook without a ``parameters`` cell is refused. One runner per build
tree at a time: a second one fails, naming the first.

A failing notebook stops the run with a message naming the notebook, the
cell and the error; its partially executed copy is kept for inspection.
With ``--keep-going`` the remaining notebooks still run. The exit code is
non-zero whenever any notebook failed. Timings go to
``results/<profile>/reproduce.json``, rewritten after every notebook.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..core import atomic, profiles
from ..core.device import CHOICES as DEVICE_CHOICES
from ..core.device_policy import require_device
from ..core.locks import LockedError, hold
from ..core.paths import real_data_dir, repo_root
from ..core.provenance import READS_VARIABLE, sha256_file
from .toc import Entry, notebooks

EXECUTED = Path("_build") / "executed"


@dataclass
class Outcome:
    notebook: str
    status: str  # "ran", "skipped" or "failed"
    seconds: float
    message: str = ""


def _tree_digest(root: Path, pattern: str) -> str:
    digest = hashlib.sha256()
    if root.is_dir():
        for path in sorted(root.rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _inputs_digest() -> str:
    """Names and sizes of the bundled real data: cheap, and changes when files do."""
    root = real_data_dir()
    listing = (
        [f"{p.relative_to(root)}:{p.stat().st_size}" for p in sorted(root.rglob("*")) if p.is_file()]
        if root.is_dir()
        else []
    )
    return hashlib.sha256("\n".join(listing).encode()).hexdigest()


def run_key(notebook: Path, parameters: dict, package_digest: str, inputs_digest: str) -> str:
    """What decides whether an executed copy is still valid."""
    digest = hashlib.sha256()
    digest.update(notebook.read_bytes())
    digest.update(json.dumps(parameters, sort_keys=True).encode())
    digest.update(package_digest.encode())
    digest.update(inputs_digest.encode())
    return digest.hexdigest()


def code_and_inputs(root: Path) -> tuple[str, str]:
    """The digests of the package's sources and the bundled real data that :func:`run_key` takes."""
    return _tree_digest(root / "src" / "deblurbook", "*.py"), _inputs_digest()


def executed_path(root: Path, entry: Entry) -> Path:
    return root / EXECUTED / entry.path.relative_to(root)


def stamp_path(executed: Path) -> Path:
    return executed.with_name(executed.name + ".stamp.json")


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
HIDDEN_TAGS = {"parameters", "injected-parameters", "skip-execution"}  # plumbing the rendered book leaves out


def for_the_book(notebook: dict) -> dict:
    """An executed notebook as the static book shows it: the parameters cells (the
    committed one and papermill's injected one) and skipped set-up cells removed,
    and widget outputs (dead without a kernel) reduced to their text form."""
    for cell in notebook.get("cells", []):
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if HIDDEN_TAGS & set(tags) and "remove-cell" not in tags:
            tags.append("remove-cell")
        outputs = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                data.pop(WIDGET_VIEW)
                if not data:
                    continue
            outputs.append(output)
        if cell.get("cell_type") == "code":
            cell["outputs"] = outputs
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


def parameters_cells(notebook: Path) -> int:
    """How many cells of ``notebook`` are tagged ``parameters``."""
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    return sum("parameters" in (c.get("metadata", {}).get("tags") or []) for c in cells)


def _digests(root: Path, paths) -> dict[str, str]:
    """{path (relative to ``root`` when inside it): sha256} of the files that exist."""
    found = {}
    for path in sorted({Path(p) for p in paths}):
        if path.is_file():
            name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
            found[name] = sha256_file(path)
    return found


def results_times(root: Path, entry: Entry, profile: str) -> dict[Path, int]:
    """{file: modification time} in ``entry``'s chapter results folder at ``profile`` (none without a chapter)."""
    folder = root / "results" / profile / entry.chapter if entry.chapter else None
    if folder is None or not folder.is_dir():
        return {}
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def describe_failure(err: Exception, notebook: str, injected: int = 0) -> str:
    """'notebook, cell N: ErrorName: message' from a papermill execution error.

    ``injected`` is how many cells papermill inserted before the failing one (its
    "injected-parameters" cell); N is the index in the committed notebook, which
    is what a reader opens.
    """
    from papermill.exceptions import PapermillExecutionError

    if isinstance(err, PapermillExecutionError):
        first_line = (err.source or "").strip().splitlines()[:1]
        cell = f"cell {err.cell_index - injected} (execution count {err.exec_count})"
        where = f": `{first_line[0][:80]}`" if first_line else ""
        return f"{notebook}, {cell}{where}: {err.ename}: {err.evalue}"
    return f"{notebook}: {type(err).__name__}: {err}"


def _injected_offset(executed: Path, cell_index: int) -> int:
    try:
        cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return 0
    return sum("injected-parameters" in (c.get("metadata", {}).get("tags") or []) for c in cells[:cell_index])


def execute(entry: Entry, root: Path, parameters: dict, key: str) -> Outcome:
    """Run one notebook with papermill into its executed copy."""
    import papermill

    rel = str(entry.path.relative_to(root))
    out = executed_path(root, entry)
    stamp = stamp_path(out)
    if stamp.exists():
        stamp.unlink()
    if parameters_cells(entry.path) != 1:
        return Outcome(
            rel,
            "failed",
            0.0,
            f"{rel}: {parameters_cells(entry.path)} cells tagged 'parameters' "
            "(exactly one is needed; papermill would inject parameters the notebook never declared)",
        )
    handle, name = tempfile.mkstemp(prefix="reads-", suffix=".txt")
    os.close(handle)
    reads = Path(name)
    previous = os.environ.get(READS_VARIABLE)
    os.environ[READS_VARIABLE] = str(reads)  # the kernel inherits it; the package appends what it loads
    before = results_times(root, entry, parameters["profile"])
    start = time.perf_counter()
    try:
        with atomic.atomic_path(out) as tmp:
            try:
                papermill.execute_notebook(
                    str(entry.path),
                    str(tmp),
                    parameters=parameters,
                    kernel_name="python3",
                    cwd=str(entry.path.parent),
                    progress_bar=False,
                    log_output=False,
                    # a hung cell must fail the run with a message, not stall CI
                    execution_timeout=profiles.get(parameters["profile"]).cell_timeout,
                )
                tmp.write_text(
                    json.dumps(for_the_book(json.loads(tmp.read_text(encoding="utf-8"))), indent=1), encoding="utf-8"
                )
            except Exception:
                # keep the partially executed copy where the reader will look for it
                if tmp.exists() and tmp.stat().st_size:
                    tmp.replace(out)
                raise
    except Exception as err:  # noqa: BLE001 - every failure is reported, named
        seconds = time.perf_counter() - start
        cell = getattr(err, "cell_index", None)
        injected = _injected_offset(out, cell) if cell is not None else 0
        kept = f" (partial copy kept at {out.relative_to(root)})" if out.exists() else ""
        return Outcome(rel, "failed", seconds, describe_failure(err, rel, injected) + kept)
    finally:
        if previous is None:
            os.environ.pop(READS_VARIABLE, None)
        else:
            os.environ[READS_VARIABLE] = previous
        read = reads.read_text(encoding="utf-8").split() if reads.exists() else []
        reads.unlink(missing_ok=True)
    seconds = time.perf_counter() - start
    after = results_times(root, entry, parameters["profile"])
    wrote = [p for p, t in after.items() if before.get(p) != t]
    write_stamp(root, out, key, seconds, parameters, read, wrote)
    return Outcome(rel, "ran", seconds)


def write_stamp(root: Path, executed: Path, key: str, seconds: float, parameters: dict, read, wrote=()) -> None:
    """What makes ``executed`` current (:func:`is_current`): its run key, the files it read and
    the results files it wrote."""
    atomic.write_json(
        stamp_path(executed),
        {
            "key": key,
            "seconds": round(seconds, 2),
            "parameters": parameters,
            "reads": _digests(root, read),
            "writes": _digests(root, wrote),
        },
    )


def is_current(entry: Entry, root: Path, key: str) -> bool:
    """The executed copy exists, was made with ``key``, and every file it read or wrote is unchanged
    (a stamp from before writes were recorded is not current)."""
    out = executed_path(root, entry)
    stamp = stamp_path(out)
    if not (out.is_file() and stamp.is_file()):
        return False
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except ValueError:
        return False
    reads, writes = recorded.get("reads", {}), recorded.get("writes")
    if recorded.get("key") != key or writes is None:
        return False
    return all(_digests(root, [root / p for p in files]) == files for files in (reads, writes))


def run(
    profile: str,
    chapter: str | None = None,
    device: str = "auto",
    seed: int = 0,
    keep_going: bool = False,
    force: bool = False,
    root: Path | None = None,
    progress: bool = True,
    jobs: int = 1,
    after_chapter: AfterChapter | None = None,
) -> list[Outcome]:
    """Execute the book's notebooks; returns one outcome per notebook reached. ``jobs`` > 1
    runs that many chapters at once (each in order, its kernels sharing the cores).
    ``after_chapter(profile, chapter, threads)`` is called for every chapter whose notebooks all
    ran or were current (the CLI records there what produced the chapter's results)."""
    profiles.get(profile)  # fail early, naming the known profiles
    if device not in DEVICE_CHOICES:
        raise ValueError(f"--device must be one of {DEVICE_CHOICES}, got {device!r}")
    if device == "cuda":
        from ..core.device import resolve

        resolve("cuda")  # fail before any notebook runs, not inside the first one
    require_device(profile, device)
    root = root or repo_root()
    todo = notebooks(root, chapter)
    if not todo:
        raise ValueError("no notebooks in _toc.yml" + (f" for chapter {chapter}" if chapter else ""))
    parameters = {"profile": profile, "device": device, "seed": seed}
    package_digest, inputs_digest = code_and_inputs(root)
    with hold(root / "_build" / ".lock", f"the build tree {root / '_build'}"), spare_cores(jobs):
        outcomes = _run(
            root, todo, profile, parameters, package_digest, inputs_digest, keep_going, force, progress, jobs
        )
        threads = worker_threads(jobs) if jobs > 1 else kernel_threads()
    if after_chapter is not None:
        for done in completed_chapters(todo, outcomes, root):
            after_chapter(profile, done, threads)
    return outcomes


AfterChapter = Callable[[str, str, int], None]


def worker_threads(jobs: int) -> int:
    """The torch threads of each of ``jobs`` chapters run at once: the cores shared between them."""
    return max(1, (os.cpu_count() or 1) // jobs)


def threads_beside(load: float, cores: int, default: int) -> int:
    """The torch threads a kernel should use when other processes keep ``load`` (the one-minute
    load average) cores busy out of ``cores``: the free ones, at least one, at most ``default``.
    Two OpenMP threads on a machine whose other core is taken wait on each other at every
    kernel: measured ten to twenty times slower than one thread beside a trainer (chapter 6)."""
    return max(1, min(default, cores - round(load)))


@contextmanager
def spare_cores(jobs: int):
    """Unless ``OMP_NUM_THREADS`` is set (or chapters run in parallel, which share the cores
    already), the kernels started inside get only the cores the load leaves free (they inherit
    the variable); said on stderr when that is fewer than torch's default."""
    if jobs > 1 or os.environ.get("OMP_NUM_THREADS") or not hasattr(os, "getloadavg"):
        yield
        return
    default = kernel_threads()
    threads = threads_beside(os.getloadavg()[0], os.cpu_count() or 1, default)
    if threads == default:
        yield
        return
    print(
        f"reproduce: the load average says other processes hold cores; the kernels run with {threads} "
        f"torch thread{'s' * (threads != 1)} (set OMP_NUM_THREADS to choose)",
        file=sys.stderr,
    )
    os.environ["OMP_NUM_THREADS"] = str(threads)
    try:
        yield
    finally:
        del os.environ["OMP_NUM_THREADS"]


def kernel_threads() -> int:
    """The torch threads a kernel started by this process uses (``OMP_NUM_THREADS`` or torch's default)."""
    import torch

    return int(os.environ.get("OMP_NUM_THREADS") or torch.get_num_threads())


def completed_chapters(todo: list[Entry], outcomes: list[Outcome], root: Path) -> list[str]:
    """The chapters of ``todo`` whose every notebook has an outcome that is not a failure."""
    status = {o.notebook: o.status for o in outcomes}
    chapters: dict[str, bool] = {}
    for entry in todo:
        if entry.chapter is not None:
            ok = status.get(str(entry.path.relative_to(root))) in ("ran", "skipped")
            chapters[entry.chapter] = chapters.get(entry.chapter, True) and ok
    return [c for c, ok in chapters.items() if ok]


def _chapter_runner(
    root: Path,
    todo: list[Entry],
    parameters: dict,
    package_digest: str,
    inputs_digest: str,
    keep_going: bool,
    force: bool,
    threads: int | None,
):
    """Run ``todo`` (one chapter's notebooks) in order; yields each outcome as it comes."""
    if threads:  # the kernels inherit it: torch reads it when it is imported
        os.environ["OMP_NUM_THREADS"] = str(threads)
    for entry in todo:
        key = run_key(entry.path, parameters, package_digest, inputs_digest)
        if not force and is_current(entry, root, key):
            outcome = Outcome(str(entry.path.relative_to(root)), "skipped", 0.0, "unchanged since last run")
        else:
            outcome = execute(entry, root, parameters, key)
        yield outcome
        if outcome.status == "failed" and not keep_going:
            return


def _run_chapter(args) -> list[Outcome]:  # a worker process's task (picklable arguments)
    return list(_chapter_runner(*args))


def by_chapter(todo: list[Entry], previous: dict[str, float]) -> list[list[Entry]]:
    """The notebooks grouped by chapter (a chapter's notebooks run in order: later ones read
    what earlier ones wrote), the longest chapter by its last recorded times first; without a
    record, the later chapters (which train more) first."""
    groups: dict[str | None, list[Entry]] = {}
    for entry in todo:
        groups.setdefault(entry.chapter, []).append(entry)
    cost = {c: sum(previous.get(str(e.path), 0.0) for e in g) for c, g in groups.items()}
    order = {c: k for k, c in enumerate(groups)}
    return [groups[c] for c in sorted(groups, key=lambda c: (-cost[c], -order[c]))]


def _previous_seconds(root: Path, profile: str) -> dict[str, float]:
    try:
        log = json.loads((root / "results" / profile / "reproduce.json").read_text(encoding="utf-8"))
        return {str(root / o["notebook"]): float(o["seconds"]) for o in log["notebooks"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _run(
    root: Path,
    todo: list[Entry],
    profile: str,
    parameters: dict,
    package_digest: str,
    inputs_digest: str,
    keep_going: bool,
    force: bool,
    progress: bool,
    jobs: int = 1,
) -> list[Outcome]:
    from tqdm.auto import tqdm

    outcomes: list[Outcome] = []
    bar = tqdm(total=len(todo), desc=f"book @ {profile}", unit="nb", disable=not progress, file=sys.stderr)

    def report(outcome: Outcome) -> None:
        outcomes.append(outcome)
        _write_log(root, profile, parameters, [outcome])
        line = f"{outcome.status:>7}  {outcome.seconds:7.1f} s  {outcome.notebook}"
        bar.write(line + (f"\n         {outcome.message}" if outcome.status == "failed" else ""))
        bar.update(1)

    common = (root, parameters, package_digest, inputs_digest, keep_going, force)
    if jobs <= 1:
        for outcome in _chapter_runner(root, todo, *common[1:], None):
            report(outcome)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        threads = worker_threads(jobs)
        groups = by_chapter(todo, _previous_seconds(root, profile))
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(_run_chapter, (root, group, *common[1:], threads)) for group in groups]
            for future in as_completed(futures):
                for outcome in future.result():
                    report(outcome)
        # a failure stops only its own chapter: the others were already running
    bar.close()
    return outcomes


def _write_log(root: Path, profile: str, parameters: dict, outcomes: list[Outcome]) -> None:
    log_path = root / "results" / profile / "reproduce.json"
    previous = {}
    if log_path.is_file():
        try:
            previous = {o["notebook"]: o for o in json.loads(log_path.read_text())["notebooks"]}
        except (ValueError, KeyError, TypeError):
            previous = {}
    for o in outcomes:
        if o.status == "skipped" and o.notebook in previous:
            continue  # keep the time it took when it last ran
        previous[o.notebook] = {
            "notebook": o.notebook,
            "status": o.status,
            "seconds": round(o.seconds, 2),
            "message": o.message,
        }
    atomic.write_json(log_path, {"profile": profile, "parameters": parameters, "notebooks": list(previous.values())})


def main(argv: list[str] | None = None, after_chapter: AfterChapter | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deblurbook reproduce", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="smoke", choices=list(profiles.PROFILES))
    parser.add_argument("--chapter", default=None, help="only this chapter (chNN)")
    parser.add_argument("--device", default="auto", choices=DEVICE_CHOICES)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep-going", action="store_true", help="run the remaining notebooks after a failure")
    parser.add_argument("--force", action="store_true", help="re-run unchanged notebooks too")
    parser.add_argument(
        "--jobs", type=int, default=1, help="chapters executed at once (each in order; the cores shared between them)"
    )
    args = parser.parse_args(argv)
    try:
        outcomes = run(
            args.profile,
            args.chapter,
            args.device,
            args.seed,
            args.keep_going,
            args.force,
            jobs=args.jobs,
            after_chapter=after_chapter,
        )
    except (ValueError, FileNotFoundError, RuntimeError, LockedError) as err:
        print(f"reproduce: {err}", file=sys.stderr)
        return 2
    failed = [o for o in outcomes if o.status == "failed"]
    total = sum(o.seconds for o in outcomes)
    print(
        f"reproduce: {len(outcomes) - len(failed)} of {len(outcomes)} notebooks ok "
        f"at profile {args.profile} ({total:.1f} s)"
    )
    for o in failed:
        print(f"reproduce: FAILED {o.message}", file=sys.stderr)
    return 1 if failed else 0
