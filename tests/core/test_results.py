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
    stored = json.loads(open(path).read())
    assert stored["seed"] == 3 and stored["data"] == {"psnr": 30.5, "inf": "inf", "l": [1, 2]}
    assert results.load("smoke", "ch01", "x")["psnr"] == 30.5
    with pytest.raises(FileNotFoundError, match="y.json"):
        results.load("smoke", "ch01", "y")
    assert results.load("smoke", "ch01", "y", required=False) is None
