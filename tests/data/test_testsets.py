import numpy as np
import pytest

from deblurbook.data.testsets import TestSet, write_test_set
from deblurbook.imaging.images import write_png


def test_test_set_written_once_with_verified_checksums(tmp_path):
    folder = write_test_set("local", (24, 31), 2, folder=tmp_path / "ts")
    ts = TestSet(folder)
    assert len(ts) == 2 and ts.manifest["content"] == "test split"
    s = ts.load(1)
    assert s["blur"].shape == (24, 31, 3) and s["flow"].shape == (24, 31, 2) and s["mask"].dtype == bool
    assert 0.5 <= float(s["duty"]) <= 1.0 and float(ts[1]["duty"]) == ts.samples[1]["duty"]
    before = (folder / "manifest.json").stat().st_mtime_ns
    write_test_set("local", (24, 31), 2, folder=folder)  # already there: untouched
    assert (folder / "manifest.json").stat().st_mtime_ns == before
    write_png(folder / "blur" / "0001.png", np.zeros((24, 31, 3)))
    with pytest.raises(ValueError, match="0001.png: checksum differs"):
        TestSet(folder)
    (folder / "mask" / "0000.npy").unlink()
    with pytest.raises(FileNotFoundError, match="0000.npy: listed in"):
        TestSet(folder)
    with pytest.raises(FileNotFoundError, match="no manifest"):
        TestSet(tmp_path)
