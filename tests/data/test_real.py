import csv
import hashlib

import pytest

from deblurbook.core.paths import real_data_dir
from deblurbook.data import real
from deblurbook.data.datasets import PairDataset

LISTED_APART = {"README.md", "SOURCES.csv"}


def test_bundled_real_samples_load():
    pairs = real.gopro_crops()
    assert len(pairs) == 30
    item = PairDataset(pairs)[0]
    assert item["blur"].shape == item["sharp"].shape == (3, 128, 128)
    clips = real.reds_clips()
    assert sorted(clips) == ["000", "001"] and all(len(c) == 10 for c in clips.values())
    assert PairDataset(clips["000"]).load(0)["blur"].shape == (180, 320, 3)


def test_levin_kernels_are_eight_normalised_odd_kernels():
    kernels = real.levin_kernels()
    assert list(kernels) == [f"k{i}" for i in range(1, 9)]
    for k in kernels.values():
        assert k.shape[0] % 2 == 1 and k.shape[1] % 2 == 1 and k.sum() == pytest.approx(1.0)


def test_every_bundled_file_has_a_line_with_its_source_licence_and_checksum(repo):
    root = repo / "data" / "real"
    with open(root / "SOURCES.csv", newline="", encoding="utf-8") as f:
        listed = {row["file"]: row for row in csv.DictReader(f)}
    on_disk = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name not in LISTED_APART and not p.name.startswith("LICENSE")
    }
    assert set(listed) == on_disk
    for name, row in listed.items():
        assert row["source"] and row["licence"], name
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == row["sha256"], name
    for folder in ("gopro_crops", "kernels"):
        assert (root / folder / "LICENSE.source-repo").is_file()


def test_real_data_is_found_in_the_repository_or_where_the_variable_says(repo, monkeypatch, tmp_path):
    monkeypatch.delenv("DEBLURBOOK_REAL_DATA", raising=False)
    assert real_data_dir() == repo / "data" / "real"
    monkeypatch.setenv("DEBLURBOOK_REAL_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=f"{tmp_path}/reds_clips: missing folder"):
        real.reds_clips()
    with pytest.raises(FileNotFoundError, match="levin09.npz: Levin kernels not found"):
        real.levin_kernels()
