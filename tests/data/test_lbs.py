import numpy as np
import pytest

from deblurbook.data.lbs import CODE_FRAMES, LBSConfig, make_lbs_sample, object_maps

SIZE = (45, 61)


@pytest.mark.parametrize("seed", range(3))
def test_outside_the_mask_the_blur_is_the_ground_truth(seed):
    s = make_lbs_sample(SIZE, seed)
    assert s["blur"].shape == (*SIZE, 3) and s["mask"].shape == SIZE and s["mask"].dtype == bool
    assert 0 < s["mask"].mean() < 1
    outside = ~s["mask"]
    assert np.abs(s["blur"] - s["sharp"])[outside].max() < 0.5 / 255
    assert np.abs(s["blur"] - s["sharp"])[s["mask"]].max() > 4 / 255  # the movers do blur


def test_the_ground_truth_is_the_middle_frame():
    # one frame: blur and ground truth are the same frame
    s = make_lbs_sample(SIZE, 0, LBSConfig(frames=(1,)))
    assert np.array_equal(s["blur"], s["sharp"])
    # objects that do not move: the middle frame is the only frame there is to see
    still = LBSConfig(frames=(9,), shift=(0.0, 0.0), scale_step=0.0, rotation_step=0.0)
    s = make_lbs_sample(SIZE, 0, still)
    assert np.abs(s["blur"] - s["sharp"]).max() < 1e-5


def test_static_objects_are_never_in_the_mask():
    s = make_lbs_sample(SIZE, 2, LBSConfig(moving=(0, 0), static=(3, 3)))
    assert int(s["static"]) == 3 and not s["mask"].any()
    assert np.abs(s["blur"] - s["sharp"]).max() < 1e-5


def test_the_same_seed_gives_the_same_bits_and_config_is_checked():
    a, b = make_lbs_sample(SIZE, 5), make_lbs_sample(SIZE, 5)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert int(make_lbs_sample(SIZE, 1, LBSConfig(frames=CODE_FRAMES))["frames"]) in CODE_FRAMES
    with pytest.raises(ValueError, match="odd"):
        LBSConfig(frames=(8,))
    with pytest.raises(ValueError, match="moving"):
        LBSConfig(moving=(3, 1))


def _rotation(maps):
    return np.degrees(np.arctan2(maps[-1][1, 0], maps[-1][0, 0]))


def test_the_codes_bug_drops_rotation_of_scaled_objects_and_the_fix_keeps_it():
    centre, start = np.array([5.0, 5.0]), np.array([20.0, 20.0])
    for seed in range(40):  # find an object that both scales and rotates
        rng = np.random.default_rng(seed)
        z, r = rng.integers(-1, 2, size=2)
        if z and r:
            break
    fixed = object_maps(LBSConfig(), 9, start, centre, np.random.default_rng(seed))
    buggy = object_maps(LBSConfig(scale_drops_rotation=True), 9, start, centre, np.random.default_rng(seed))
    assert abs(_rotation(fixed)) == pytest.approx(8 * 0.3, rel=1e-6)
    assert _rotation(buggy) == pytest.approx(0.0, abs=1e-9)


def test_code_motion_is_down_and_right_in_whole_pixels():
    maps = object_maps(LBSConfig(scale_step=0.0, rotation_step=0.0), 13, np.array([9.0, 9.0]),
                       np.array([2.0, 2.0]), np.random.default_rng(0))
    steps = np.diff(maps[:, :2, 2], axis=0)
    assert set(np.unique(steps)) <= {0.0, 1.0}


def test_the_dataset_crops_and_augments_blur_sharp_and_mask_together():
    from deblurbook.data.lbs import LBSDataset

    data = LBSDataset(crop=33, length=4, seed=3, with_motion=True)
    item = data[1]
    assert item["blur"].shape == (3, 33, 33) and item["mask"].shape == (1, 33, 33)
    assert set(item["mask"].unique().tolist()) <= {0.0, 1.0} and item["motion"].shape == (1, 33, 33)
    outside = item["mask"][0] == 0
    assert (item["blur"] - item["sharp"]).abs()[:, outside].max() < 0.5 / 255
    assert all((a == b).all() for a, b in zip(data[1].values(), item.values()))
    with pytest.raises(IndexError):
        data[4]


def test_the_test_set_is_fixed_whole_and_from_held_out_content():
    from deblurbook.data.lbs import LODE_PROXY, LBSTestSet

    data = LBSTestSet(size=37, count=2, config=LODE_PROXY)
    item = data[0]
    assert item["blur"].shape == (3, 37, 37) and item["mask"].shape == (1, 37, 37)
    assert torch_equal(item["blur"], LBSTestSet(size=37, count=2, config=LODE_PROXY)[0]["blur"])
    assert len(data) == 2
    with pytest.raises(IndexError):
        data[2]


def torch_equal(a, b):
    return bool((a == b).all())
