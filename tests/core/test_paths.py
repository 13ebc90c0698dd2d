from deblurbook.core import paths


def test_repo_root_holds_toc_and_pyproject(repo):
    assert paths.repo_root() == repo
    assert paths.results_dir("small", "ch02") == repo / "results" / "small" / "ch02"
    assert paths.build_dir() == repo / "_build"


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(tmp_path))
    monkeypatch.setenv("DEBLURBOOK_REAL_DATA", str(tmp_path / "real"))
    assert paths.repo_root() == tmp_path
    assert paths.real_data_dir() == tmp_path / "real"


def test_real_data_lives_in_the_checkout(repo, monkeypatch):
    monkeypatch.delenv("DEBLURBOOK_REAL_DATA", raising=False)
    assert paths.real_data_dir() == repo / "data" / "real"
