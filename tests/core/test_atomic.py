import json

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
