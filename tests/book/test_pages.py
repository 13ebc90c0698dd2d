import matplotlib

matplotlib.use("Agg")

from pathlib import Path  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from deblurbook.book import pages  # noqa: E402
from deblurbook.core import results  # noqa: E402
from deblurbook.core.device import DeviceUnavailable  # noqa: E402


@pytest.fixture
def book_root(tmp_path, monkeypatch):
    (tmp_path / "_toc.yml").write_text("")
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(tmp_path))
    return tmp_path


@pytest.fixture(autouse=True)
def no_page_profile(monkeypatch):
    monkeypatch.setattr(pages, "_page_profile", None)


def shown(monkeypatch):
    out = []
    monkeypatch.setattr(pages, "display", lambda obj: out.append(getattr(obj, "data", obj)))
    return out


def test_the_banner_says_whose_numbers_a_page_shows(monkeypatch):
    out = shown(monkeypatch)
    pages.banner("smoke")
    pages.banner("small")
    assert "only proves" in out[0] and "*Reference*" in out[0] and "`smoke`" in out[0]
    assert "**" not in out[0]  # bold is for table captions, which the browser test reads in order
    assert "are reference results" in out[1]


def test_tables_are_captioned_with_their_profile(monkeypatch):
    out = shown(monkeypatch)
    pages.table("| a |\n|---|\n| 1 |", "Table IV", "smoke")
    pages.table("| a |\n|---|\n| 1 |", "Table IV", "small")
    assert out[0].startswith("**This run (smoke): Table IV**") and out[1].startswith("**Reference (small): Table IV**")


def test_references_show_every_committed_profile_and_say_when_there_is_none(book_root, monkeypatch):
    out = shown(monkeypatch)
    assert pages.show_references("ch09", "numbers", {"numbers": lambda d: str(d["x"])}) == []
    assert "No committed reference results yet" in out[-1]
    results.save("small", "ch09", "numbers", {"x": 3})
    assert pages.show_references("ch09", "numbers", {"numbers": lambda d: f"| x |\n|---|\n| {d['x']} |"}) == ["small"]
    assert any(o.startswith("**Reference (small): numbers**") and "| 3 |" in o for o in out)


def test_figures_are_saved_small_and_shown_from_the_reference(book_root, monkeypatch):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    path = pages.save_figure(fig, "small", "ch09", "curve")
    assert path == Path("results/small/ch09/curve.png") and (book_root / path).stat().st_size < 50_000
    out = shown(monkeypatch)
    assert pages.show_reference_figure("ch09", "curve", "a curve") == ["small"]
    assert out[0].startswith("**Reference (small): a curve**") and "/tmp" not in out[0]


def test_stale_reference_results_are_flagged(monkeypatch):
    out = shown(monkeypatch)
    pages.warn_if_stale([], 3, "small")
    assert out == []
    pages.warn_if_stale(["ch02:full seed 0 at small"], 3, "small")
    assert "1 of their 3 runs" in out[0] and "make book PROFILE=small" in out[0]


def test_a_page_run_at_a_reference_profile_does_not_show_that_profiles_old_files(book_root, monkeypatch):
    results.save("small", "ch09", "numbers", {"x": 3})
    results.save("paper", "ch09", "numbers", {"x": 4})
    out = shown(monkeypatch)
    pages.banner("small")
    assert [p for p, _ in pages.references("ch09", "numbers")] == ["paper"]
    (book_root / "results/paper/ch09/numbers.json").unlink()
    assert pages.show_references("ch09", "numbers", {"numbers": lambda d: str(d["x"])}) == []
    assert "this page's own `small` run" in out[-1] and "own `small` run" in pages.no_reference_text()
    pages.banner("smoke")
    assert [p for p, _ in pages.references("ch09", "numbers")] == ["small"]
    assert pages.no_reference_text() == "(no reference results committed yet)"
    pages.banner("paper", "cpu")  # the GPU reproduction is a reference, not a smoke run (issue 26)
    assert "are reference results of the book" in out[-1]


def test_figures_are_captioned_with_their_profile_and_closed(monkeypatch):
    out = shown(monkeypatch)
    fig, _ = plt.subplots()
    pages.show_figure(fig, "training curves", "small")
    assert out[0] == "**Reference (small): training curves**" and out[1] is fig
    assert not plt.fignum_exists(fig.number)


def test_every_reference_result_is_checked_for_stale_runs_where_it_is_shown(book_root, monkeypatch):
    out = shown(monkeypatch)
    results.save("small", "ch09", "numbers", {"x": 3, "runs": ["a", "b"]})
    monkeypatch.setattr(pages, "_stale_check", lambda data: (["ch09:a seed 0 at small"], len(data["runs"])))
    pages.show_references("ch09", "numbers", {"numbers": lambda d: str(d["x"])})
    warning = next(line for line in out if "stale" in line)
    assert "1 of their 2 runs" in warning and "ch09:a seed 0" in warning
    monkeypatch.setattr(pages, "_stale_check", lambda data: ([], 2))
    out.clear()
    pages.show_references("ch09", "numbers", {"numbers": lambda d: str(d["x"])})
    assert not any("stale" in line for line in out)


def test_the_chapters_layer_installs_the_stale_check():
    import deblurbook.chapters  # noqa: F401  (importing it installs the check)
    from deblurbook.chapters._runs import stale_runs

    assert pages._stale_check is stale_runs


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the machine without a GPU")
def test_a_page_at_the_gpu_profile_stops_at_its_banner_without_a_gpu(monkeypatch):
    shown(monkeypatch)
    with pytest.raises(DeviceUnavailable, match="paper"):
        pages.banner("paper")
    pages.banner("paper", "cpu")  # asked for explicitly
