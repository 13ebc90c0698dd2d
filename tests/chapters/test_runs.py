import numpy as np
import torch

from deblurbook.book import stats
from deblurbook.chapters import _runs
from deblurbook.chapters._claims import Claim, read_claims, read_with_floor
from deblurbook.chapters._rowstudy import RowStudy
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


def test_a_summary_gives_no_verdict_under_the_floor_and_the_verdict_over_it():
    study = RowStudy("ch99", None, None, "main", "the model", {}, own_sets=("global",))
    for gain, said in ((0.5, "no verdict (the model is under the floor): +"), (3.0, "higher: +")):
        res = _result(gain, 0.0)
        main, rival = (per_set(res["rows"][r]["runs"])["global"] for r in ("main", "rival"))
        assert study.describe(res, stats.compare(main, rival)).startswith(said)


def test_real_sets_are_clustered_by_sequence_in_every_form_the_chapters_use():
    from deblurbook.chapters import ch07
    from deblurbook.data.datasets import FrameSequenceDataset, PairDataset
    from deblurbook.data.real import gopro_crops, reds_clips

    sets = ch07.test_sets("smoke")
    found = _runs.cluster_labels(sets)
    assert set(found[ch07.GOPRO_SET]) == {"sequence GOPR0372_07_00"}  # crops of one frame: one unit
    assert len(found[ch07.REDS_SET]) == len(sets[ch07.REDS_SET])
    assert found["mixed"] == [f"scene {k}" for k in range(len(sets["mixed"]))]
    frames = [pair for clip in reds_clips().values() for pair in clip]
    for reds in (ch07.ClipInputs(reds_clips()), FrameSequenceDataset(reds_clips()), PairDataset(frames)):
        assert len(set(_runs.cluster_labels({"reds": reds})["reds"])) == 2  # two clips
    assert len(_runs.cluster_labels({"gopro": PairDataset(gopro_crops())})["gopro"]) == len(gopro_crops())


def test_frames_of_two_clips_are_two_units_not_thirty_images():
    """Thirty frames of two clips, the model +1 dB on one clip and +0 on the other: read image by
    image that is a sure gain; resampled by clip (two units) it is inconclusive."""
    rng = np.random.default_rng(0)
    base = 25 + rng.normal(0, 1, 30)
    clips = ["sequence a"] * 15 + ["sequence b"] * 15
    runs = [
        {
            "per_image": [
                {"preset": "reds", "cluster": c, "psnr": float(b + (c == "sequence a") + rng.normal(0, 0.05))}
                for b, c in zip(base, clips)
            ]
        }
        for _ in range(3)
    ]
    values = _runs.per_set(runs)["reds"]
    assert _runs.set_clusters(runs) == {"reds": clips}
    assert stats.compare(values, base).verdict == "higher"
    by_clip = _runs.compare_on(runs, "reds", values, base)
    assert by_clip.clusters == 2 and by_clip.verdict == "inconclusive"
