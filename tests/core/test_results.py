import json
import math

import numpy as np
import pytest

from deblurbook.core import results


def test_results_round_trip(monkeypatch, tmp_path):
    (tmp_path / "_toc.yml").write_text("")
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(tmp_path))
    path = results.save("smoke", "ch01", "x", {"psnr": np.float64(30.5), "inf": math.inf, "l": (1, 2)}, seed=3)
    assert path == "results/smoke/ch01/x.json"  # relative: no absolute path in the book's outputs
    stored = json.loads((tmp_path / path).read_text())
    assert stored["seed"] == 3 and stored["data"] == {"psnr": 30.5, "inf": "inf", "l": [1, 2]}
    assert results.load("smoke", "ch01", "x")["psnr"] == 30.5
    with pytest.raises(FileNotFoundError, match="y.json"):
        results.load("smoke", "ch01", "y")
    assert results.load("smoke", "ch01", "y", required=False) is None


def test_an_edited_results_file_is_refused_by_name(monkeypatch, tmp_path):
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(tmp_path))
    path = tmp_path / results.save("small", "ch02", "ablations", {"psnr": 30.12})
    path.write_text(path.read_text().replace("30.12", "31.12"))
    with pytest.raises(ValueError, match="ablations.json: its data differ from its digest"):
        results.load("small", "ch02", "ablations")
