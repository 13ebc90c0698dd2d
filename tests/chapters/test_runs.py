import numpy as np
import torch

from deblurbook.chapters._runs import blurred_per_set, blurred_scores, per_set
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
