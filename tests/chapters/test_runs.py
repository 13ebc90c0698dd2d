import numpy as np
import torch

from deblurbook.book import stats
from deblurbook.chapters._runs import Claim, blurred_per_set, blurred_scores, per_set, read_claims, read_with_floor
from deblurbook.imaging import metrics


def _run(order):
    return {"per_image": [{"preset": name, "psnr": float(k), "ssim": 0.5} for k, name in enumerate(order)]}


def test_per_set_keeps_the_order_the_scores_were_taken_in():
    runs = [_run(["b", "b", "a"]), _run(["b", "b", "a"])]
    found = per_set(runs)
    assert list(found) == ["b", "a"] and found["b"].shape == (2, 2) and found["a"].tolist() == [[2.0], [2.0]]


def test_blurred_scores_split_per_set_in_the_runs_order():
    sharp = torch.rand(3, 13, 15, generator=torch.Generator().manual_seed(0))
    items = [{"blur": (sharp + d).clamp(0, 1), "sharp": sharp} for d in (0.01, 0.05, 0.1)]
    sets = {"b": items[:2], "a": items[2:]}
    blurred = blurred_scores(sets)
    assert blurred["psnr"][0] == float(metrics.psnr(items[0]["blur"][None], sharp[None])[0])
    split = blurred_per_set(blurred, [_run(["b", "b", "a"])])
    assert split["a"][0].tolist() == [blurred["psnr"][2]] and len(split["b"][1]) == 2
    assert np.all(np.diff(blurred["psnr"]) < 0)  # more noise, lower PSNR


def _row(psnr):
    """A row of runs (seeds x images of one set, ``global``) from a PSNR matrix."""
    return {
        "runs": [{"per_image": [{"preset": "global", "psnr": float(v), "ssim": 0.5} for v in seed]} for seed in psnr]
    }


def _result(gain_db, rival_db, seed=0):
    """A results file: the blurred input at 20 dB on 8 images; ``main`` beats it by ``gain_db``,
    ``rival`` by ``rival_db`` (3 seeds, a little noise)."""
    rng = np.random.default_rng(seed)
    base = 20 + rng.normal(0, 1, 8)

    def noisy(d):
        return base + d + rng.normal(0, 0.05, (3, 8))

    return {
        "blurred": {"psnr": base.tolist(), "ssim": [0.5] * 8},
        "rows": {"main": _row(noisy(gain_db)), "rival": _row(noisy(rival_db))},
    }


def _claims(res):
    main, rival = (per_set(res["rows"][r]["runs"])["global"] for r in ("main", "rival"))
    return [
        Claim("main beats rival", stats.compare(main, rival)),
        Claim("main beats its input", stats.compare(main, np.asarray(res["blurred"]["psnr"])), gated=False),
    ]


def test_under_the_floor_the_gated_claims_get_no_verdict_but_their_difference():
    res = _result(0.5, 0.0)
    floor, gated, open_ = read_with_floor(res, "main", "the model", ("global",), _claims(res))
    assert "under the 1 dB" in floor[1] and "**no verdict**" in floor[1]
    assert gated[1].startswith("no verdict (the model is under the floor): +0.")
    assert open_[1].startswith("supported")  # a claim that does not rest on the model is still read


def test_over_the_floor_the_claims_are_read_as_one_holm_family():
    res = _result(3.0, 1.0)
    floor, gated, _ = read_with_floor(res, "main", "the model", ("global",), _claims(res))
    assert "at least the 1 dB" in floor[1] and gated[1].startswith("supported: +")
    comparisons = [c.comparison for c in _claims(res)]
    corrected = stats.holm(comparisons)
    assert read_claims(_claims(res))[0][1] == stats.judge(corrected[0])
    assert corrected[0].low < comparisons[0].low  # the family widened the interval
