import numpy as np
import pytest

from deblurbook.data import synth
from deblurbook.imaging import metrics

SIZE = (37, 53)


@pytest.fixture(scope="module", params=list(synth.PRESETS))
def sample(request):
    return request.param, synth.make_sample(request.param, SIZE, seed=5, signals=synth.SIGNALS + synth.EXTRA_SIGNALS)


def test_every_signal_shape_type_and_range(sample):
    _, s = sample
    for key in ("blur", "sharp", "ref", "blur_next", "sharp_next"):
        assert s[key].shape == SIZE + (3,) and s[key].dtype == np.float32, key
        assert 0 <= s[key].min() and s[key].max() <= 1, key
    assert s["flow"].shape == SIZE + (2,) and s["flow"].dtype == np.float32
    assert s["mask"].shape == SIZE and s["mask"].dtype == bool
    assert int(s["frames"]) in (7, 9, 11, 13) and 0.5 <= float(s["duty"]) <= 1.0


def test_same_arguments_same_bits_and_other_seeds_differ():
    a = synth.make_sample("mixed", SIZE, seed=11)
    b = synth.make_sample("mixed", SIZE, seed=11)
    c = synth.make_sample("mixed", SIZE, seed=12)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["blur"], c["blur"])


@pytest.mark.parametrize("preset", list(synth.PRESETS))
def test_flow_carries_the_sharp_frame_to_the_next_one(preset):
    """sharp_next sampled at x + flow(x) reproduces sharp away from occlusions, pooled over three
    scenes: a fast one can carry most of a small crop out of the frame."""
    from scipy import ndimage

    h, w = SIZE
    ys, xs = np.mgrid[:h, :w].astype(float)
    inside_total = ok_total = 0
    for seed in range(3):
        s = synth.make_sample(preset, SIZE, seed=seed, signals=synth.SIGNALS + synth.EXTRA_SIGNALS)
        tx, ty = xs + s["flow"][..., 0], ys + s["flow"][..., 1]
        warped = np.stack([ndimage.map_coordinates(s["sharp_next"][..., c], [ty, tx], order=1) for c in range(3)], -1)
        inside = (tx >= 1) & (tx <= w - 2) & (ty >= 1) & (ty <= h - 2)
        inside_total += inside.sum()
        ok_total += (inside & (np.abs(warped - s["sharp"]).max(-1) < 0.1)).sum()
    assert inside_total >= 3 * h * w / 4  # enough of the scenes stays in view to test anything
    assert ok_total >= 0.8 * inside_total  # holds except where layers occlude each other


def test_local_blur_is_local_and_global_blur_is_global():
    local = [synth.make_sample("local", (64, 64), seed=i) for i in range(4)]
    glob = [synth.make_sample("global", (64, 64), seed=i) for i in range(4)]
    assert np.mean([s["mask"].mean() for s in local]) < 0.5 < np.mean([s["mask"].mean() for s in glob])
    for s in local:  # a static camera leaves the unmasked background sharp
        still = ~s["mask"]
        assert np.abs(s["blur"][still] - s["sharp"][still]).max() < 0.05  # only sub-pixel motion is left unmasked


def test_blur_differs_from_sharp_where_the_mask_says():
    s = synth.make_sample("global", (64, 64), seed=3)
    assert s["mask"].mean() > 0.9
    assert metrics.psnr(s["blur"], s["sharp"]) < 35


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown preset"):
        synth.make_sample("cinematic")
    with pytest.raises(ValueError, match="unknown signals"):
        synth.make_sample("local", SIZE, signals=("depth",))
    with pytest.raises(ValueError, match="at least 8x8"):
        synth.make_sample("local", (4, 40))
    with pytest.raises(ValueError, match="odd"):
        synth.with_frames("local", 8)


def test_with_frames_fixes_the_exposure_and_subset_of_signals():
    s = synth.make_sample(synth.with_frames("global", 13), SIZE, seed=0, signals=("blur",))
    assert int(s["frames"]) == 13 and set(s) == {"blur", "frames", "duty", "scene_side"}


def test_blur_length_does_not_depend_on_the_crop_size():
    """With a scene side, speeds are per frame at the frame's side: a 40-px and a 120-px
    render of the same preset carry blur of the same length in pixels."""
    from deblurbook.data.blur_scale import blur_lengths

    def median_length(size):
        return np.median(
            [np.median(blur_lengths(synth.make_sample("global", (size, size), seed=s))) for s in range(12)]
        )

    small, large = median_length(40), median_length(120)
    assert 0.6 < small / large < 1.6
    assert large > 3.0  # several pixels, as the benchmarks' frames carry


def test_scene_side_is_drawn_in_its_range_and_absent_presets_render_as_before():
    sides = [float(synth.make_sample("mixed", SIZE, seed=s, signals=("blur",))["scene_side"]) for s in range(20)]
    assert min(sides) >= synth.BENCHMARK_SIDES[0] and max(sides) <= synth.BENCHMARK_SIDES[1]
    assert max(sides) / min(sides) > 1.5
    local = synth.make_sample("local", SIZE, seed=1, signals=("blur",))
    assert float(local["scene_side"]) == min(SIZE)  # the image is its own frame
    with pytest.raises(ValueError, match="scene_side"):
        synth.Preset("x", synth.Motion(), (0, 0), synth.Motion(), (0, 0), scene_side=(5.0, 1.0))
