import numpy as np
import pytest
import torch

from deblurbook.data import synth
from deblurbook.data.blur_scale import ClipInputs, Downscaled, RenderedSet, blur_lengths, scaled_motion
from deblurbook.data.real import reds_clips
from deblurbook.data.testsets import synthetic_test_set


def test_factor_one_renders_the_stored_test_set_and_larger_factors_lengthen_the_blur(tmp_path, monkeypatch):
    monkeypatch.setenv("DEBLURBOOK_ROOT", str(tmp_path))
    stored = synthetic_test_set("mixed", (41, 53), 2)
    same = RenderedSet(scaled_motion("mixed", 1.0), (41, 53), 2, signals=("blur", "sharp", "flow"))
    for i in range(2):
        assert torch.equal(stored[i]["blur"], same[i]["blur"]) and torch.equal(stored[i]["sharp"], same[i]["sharp"])
    lengths = {
        f: np.concatenate(
            [blur_lengths(RenderedSet(scaled_motion("mixed", f), (41, 53), 2).load(i)).ravel() for i in range(2)]
        )
        for f in (1.0, 3.0)
    }
    moving = lengths[1.0] > 0.05
    assert np.median(lengths[3.0][moving] / lengths[1.0][moving]) == pytest.approx(3.0, rel=0.05)


def test_scaling_refuses_step_motion_and_non_positive_factors():
    with pytest.raises(ValueError, match="step law"):
        scaled_motion("local", 2.0)
    with pytest.raises(ValueError, match="positive"):
        scaled_motion("mixed", 0.0)
    assert scaled_motion("global", 2.0).camera.speed == tuple(2 * s for s in synth.PRESETS["global"].camera.speed)


def test_blur_length_of_a_constant_motion():
    flow = np.zeros((3, 4, 2), np.float32)
    flow[..., 0] = 6.0  # 6 px between exposure middles
    sample = {"flow": flow, "frames": np.array(7), "duty": np.array(0.5)}
    assert np.allclose(blur_lengths(sample), 6.0 * 0.5 * 6 / 7)


def test_downscaled_averages_every_image_and_refuses_tiny_results():
    item = {"blur": torch.rand(3, 21, 34), "sharp": torch.rand(3, 21, 34), "flow": torch.rand(2, 21, 34)}
    small = Downscaled([item], 2)[0]
    assert set(small) == {"blur", "sharp"} and small["blur"].shape == (3, 10, 17)
    assert torch.allclose(small["sharp"][:, 0, 0], item["sharp"][:, :2, :2].mean((1, 2)))
    with pytest.raises(ValueError, match="under 8 px"):
        Downscaled([item], 4)[0]
    with pytest.raises(ValueError, match="whole number"):
        Downscaled([item], 1.5)


def test_clip_inputs_give_every_input_with_the_previous_sharp_frame_as_reference():
    clips = reds_clips()
    data = ClipInputs(clips)
    assert len(data) == sum(len(c) - 2 for c in clips.values())
    item, before = data[0], ClipInputs(clips).frames
    assert set(item) == {"blur", "sharp", "blur_next", "blur_prev", "ref"}
    name, t = before.index[0]
    from deblurbook.data.datasets import PairDataset

    assert torch.equal(item["ref"], PairDataset(clips[name][t - 1 : t])[0]["sharp"])
