from deblurbook import paths


def test_repo_root_holds_toc_and_pyproject(repo):
    assert paths.repo_root() == repo
    assert paths.results_dir("small", "ch02") == repo / "results" / "small" / "ch02"


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(tmp_path))
    monkeypatch.setenv("DEBLURBOOK_SHARED", str(tmp_path / "s"))
    assert paths.repo_root() == tmp_path
    assert paths.realdata_dir() == tmp_path / "s" / "realdata"


def test_shared_sits_beside_the_checkout(repo, monkeypatch):
    monkeypatch.delenv("DEBLURBOOK_SHARED", raising=False)
    assert paths.shared_dir() == (repo.parent / "shared").resolve()
