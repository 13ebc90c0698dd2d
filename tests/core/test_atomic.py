import json
import os

import pytest

from deblurbook.core import atomic


def test_write_json_round_trip_and_no_temporary_left(tmp_path):
    path = atomic.write_json(tmp_path / "a" / "b.json", {"x": 1.5})
    assert atomic.read_json(path) == {"x": 1.5}
    assert [p.name for p in path.parent.iterdir()] == ["b.json"]


def test_failure_inside_leaves_the_old_file_untouched(tmp_path):
    path = atomic.write_text(tmp_path / "f.txt", "old")
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(path) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_temporary_keeps_the_suffix(tmp_path):
    with atomic.atomic_path(tmp_path / "n.ipynb") as tmp:
        assert tmp.suffix == ".ipynb"
        tmp.write_text("{}")


def test_read_json_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.json"):
        atomic.read_json(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(ValueError, match="bad.json: not valid JSON"):
        atomic.read_json(bad)
    json.loads((atomic.write_json(tmp_path / "ok.json", [1])).read_text())


def test_files_get_the_users_default_permissions(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = atomic.write_text(tmp_path / "shared.txt", "x")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # mkstemp's private 0600 no more
    finally:
        os.umask(old)


def test_temporaries_of_killed_writers_are_cleaned_on_the_next_save(tmp_path):
    import os
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    left = tmp_path / f".checkpoint.{dead_pid}.abc123.tmp.pt"
    left.write_bytes(b"half a checkpoint")
    mine = tmp_path / f".checkpoint.{os.getpid()}.zzz.tmp.pt"  # a live writer's: kept
    mine.write_bytes(b"in progress")
    other = tmp_path / f".log.{dead_pid}.q.tmp.json"  # another file's: not this save's business
    other.write_text("{}")
    atomic.write_text(tmp_path / "checkpoint.pt", "new")
    assert not left.exists() and mine.exists() and other.exists()


def test_a_folder_loses_the_temporaries_of_dead_writers_only(tmp_path):
    dead, alive = 2**22 + 12345, os.getpid()
    left = [tmp_path / f".checkpoint.pt.{dead}.abc_1.tmp.sha256", tmp_path / f".log.{dead}.x9.tmp.json"]
    kept = tmp_path / f".log.{alive}.y8.tmp.json"
    for path in [*left, kept]:
        path.write_text("half")
    assert sorted(atomic.clean_stale_folder(tmp_path)) == sorted(left)
    assert kept.exists() and not any(p.exists() for p in left)
