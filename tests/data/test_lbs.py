"""LBS as the engine's ``local`` preset: the invariants the LODE paper's recipe promises."""

from dataclasses import replace

import numpy as np
import pytest

from deblurbook.data import synth
from deblurbook.data.lbs import CODE_FRAMES, StepMotion

SIZE = (45, 61)
LOCAL = synth.get_preset("local")
PAIR = ("blur", "sharp", "mask")


def lbs(seed, preset=LOCAL, signals=PAIR, size=SIZE):
    return synth.make_sample(preset, size, seed, signals=signals)


@pytest.mark.parametrize("seed", range(3))
def test_outside_the_mask_the_blur_is_the_ground_truth(seed):
    s = lbs(seed)
    assert s["blur"].shape == (*SIZE, 3) and s["mask"].shape == SIZE and s["mask"].dtype == bool
    assert 0 < s["mask"].mean() < 1
    outside = ~s["mask"]
    assert np.abs(s["blur"] - s["sharp"])[outside].max() < 0.5 / 255
    assert np.abs(s["blur"] - s["sharp"])[s["mask"]].max() > 4 / 255  # the movers do blur


def test_the_ground_truth_is_the_middle_frame():
    # one frame: blur and ground truth are the same frame
    s = lbs(0, synth.with_frames(LOCAL, 1))
    assert np.array_equal(s["blur"], s["sharp"])
    # objects that do not move: the middle frame is the only frame there is to see
    still = replace(LOCAL, frames=(9,), object_steps=StepMotion(shift=(0.0, 0.0), scale_step=0.0, rotation_step=0.0))
    s = lbs(0, still)
    assert np.abs(s["blur"] - s["sharp"]).max() < 1e-5
    # the middle frame of the next exposure continues the same motion
    s = lbs(1, signals=("sharp", "sharp_next", "flow", "blur_next"))
    assert np.abs(s["flow"]).max() > 1 and not np.array_equal(s["sharp"], s["sharp_next"])


def test_static_objects_are_never_in_the_mask():
    s = lbs(2, replace(LOCAL, objects=(0, 0), distractors=(3, 3)))
    assert not s["mask"].any()
    assert np.abs(s["blur"] - s["sharp"]).max() < 1e-5


def test_the_mask_is_the_union_of_the_movers_footprints():
    s = lbs(3, signals=("mask", "motion"))
    # every pixel a mover covers (motion > 0 there) is in the mask; nothing outside moves
    assert s["mask"][s["motion"] > 0].all() and (s["motion"][~s["mask"]] == 0).all()
    assert 0.9 < s["motion"].max() < 2.0  # 0-1 px per axis, +-0.01 scale, +-0.3 degrees a frame


def test_the_same_seed_gives_the_same_bits_whatever_else_is_asked():
    a, b = lbs(5), lbs(5, signals=synth.SIGNALS + synth.EXTRA_SIGNALS)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    code = replace(LOCAL, frames=CODE_FRAMES)
    assert int(lbs(1, code)["frames"]) in CODE_FRAMES
    with pytest.raises(ValueError, match="shift"):
        StepMotion(shift=(2.0, 1.0))
    with pytest.raises(ValueError, match="mask"):
        replace(LOCAL, mask="everything")


def _rotation(maps):
    return np.degrees(np.arctan2(maps[-1][1, 0], maps[-1][0, 0]))


def _scaling_and_rotating_seed() -> int:
    return next(s for s in range(100) if all(np.random.default_rng(s).integers(-1, 2, size=2)))


def test_the_codes_bug_drops_rotation_of_scaled_objects_and_the_fix_keeps_it():
    seed, place = _scaling_and_rotating_seed(), np.array([20.0, 20.0])
    fixed = StepMotion().matrices(np.arange(9), place, np.random.default_rng(seed))
    buggy = StepMotion(scale_drops_rotation=True).matrices(np.arange(9), place, np.random.default_rng(seed))
    assert abs(_rotation(fixed)) == pytest.approx(8 * 0.3, rel=1e-6)
    assert _rotation(buggy) == pytest.approx(0.0, abs=1e-9)


def test_code_motion_is_down_and_right_in_whole_pixels_and_steps_back_in_reverse():
    law = StepMotion(scale_step=0.0, rotation_step=0.0)
    maps = law.matrices(np.arange(-6, 7), np.array([9.0, 9.0]), np.random.default_rng(0))
    steps = np.diff(maps[:, :2, 2], axis=0)
    assert set(np.unique(steps)) <= {0.0, 1.0}
    assert np.array_equal(maps[6], np.eye(3))  # the identity at time 0
    with pytest.raises(ValueError, match="whole frames"):
        law.matrices(np.array([0.5]), np.zeros(2), np.random.default_rng(0))


def test_backward_steps_undo_forward_ones_for_pure_translation_and_rotation_about_a_fixed_centre():
    seed = _scaling_and_rotating_seed()
    law = StepMotion(shift=(0.0, 0.0), scale_step=0.0)  # rotation about the (still) centre only
    maps = law.matrices(np.array([-4, 0, 4]), np.array([30.0, 30.0]), np.random.default_rng(seed))
    assert _rotation(maps[[0]]) == pytest.approx(-_rotation(maps[[2]]), abs=1e-9)


def test_the_fast_preset_moves_in_any_direction_in_sub_pixel_steps():
    law = synth.get_preset("local_fast").object_steps
    maps = law.matrices(np.arange(13), np.array([30.0, 30.0]), np.random.default_rng(4))
    steps = np.diff(maps[:, :2, 2], axis=0)
    assert not np.allclose(steps, np.round(steps)) and np.abs(steps).max() > 1.0


def test_the_dataset_crops_and_augments_blur_sharp_and_mask_together():
    from deblurbook.data.datasets import SyntheticDataset

    data = SyntheticDataset("local", crop=33, length=4, seed=3, signals=PAIR + ("motion",))
    item = data[1]
    assert item["blur"].shape == (3, 33, 33) and item["mask"].shape == (1, 33, 33)
    assert set(item["mask"].unique().tolist()) <= {0.0, 1.0} and item["motion"].shape == (1, 33, 33)
    outside = item["mask"][0] == 0
    assert (item["blur"] - item["sharp"]).abs()[:, outside].max() < 0.5 / 255
    assert all((a == b).all() for a, b in zip(data[1].values(), item.values()))
