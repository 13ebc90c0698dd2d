"""Paired verdicts: their false-positive rate and power, measured by simulation."""

import numpy as np
import pytest

from deblurbook.book import stats
from deblurbook.book.stats import Comparison, compare, describe, interval, per_seed_images


def simulate(rng, seeds, images, delta=0.0, seed_sd=0.15, image_sd=0.3, noise_sd=0.1):
    """Two rows' paired differences under the crossed model: delta + a[s] + b[i] + e[s, i]."""
    return (
        delta
        + rng.normal(0, seed_sd, (seeds, 1))
        + rng.normal(0, image_sd, (1, images))
        + rng.normal(0, noise_sd, (seeds, images))
    )


def spread_rule(d):
    """The book's first rule: a difference when the mean exceeds the range over seeds."""
    per_seed = d.mean(axis=1)
    return abs(per_seed.mean()) > per_seed.max() - per_seed.min()


def rate(method, trials, rng, **kw):
    return np.mean([method(simulate(rng, **kw)) for _ in range(trials)])


def claims_difference(d):
    return compare(d, 0.0).verdict in ("higher", "lower")


@pytest.mark.parametrize(
    "kw",
    [
        dict(seeds=3, images=32),
        dict(seeds=3, images=32, seed_sd=0.4, image_sd=0.05, noise_sd=0.05),
        dict(seeds=3, images=8, seed_sd=0.0),
        dict(seeds=5, images=16, seed_sd=0.2, image_sd=0.2, noise_sd=0.2),
    ],
)
def test_false_positive_rate_is_at_most_six_percent(kw):
    rng = np.random.default_rng(0)
    assert rate(claims_difference, 3000, rng, **kw) <= 0.06


def test_the_spread_rule_it_replaces_fails_the_same_test():
    rng = np.random.default_rng(1)
    assert rate(spread_rule, 3000, rng, seeds=2, images=32) > 0.15


def test_power_for_a_real_difference():
    rng = np.random.default_rng(2)
    assert rate(claims_difference, 1000, rng, seeds=3, images=32, delta=0.5) >= 0.85
    assert rate(claims_difference, 1000, rng, seeds=3, images=32, delta=0.3, seed_sd=0.05) >= 0.8


def test_equivalence_needs_a_tight_interval_inside_the_margin():
    rng = np.random.default_rng(3)
    tight = simulate(rng, 3, 64, delta=0.0, seed_sd=0.002, image_sd=0.01, noise_sd=0.01)
    assert compare(tight, 0.0, margin=0.05).verdict == "equivalent"
    loose = simulate(rng, 3, 64, delta=0.0, seed_sd=0.3)
    assert compare(loose, 0.0, margin=0.05).verdict == "inconclusive"


def test_verdict_directions_shapes_and_too_few_seeds():
    row = np.array([[31.0, 32.0, 30.5], [31.1, 32.2, 30.4], [31.2, 32.1, 30.6]])
    blurred = np.array([28.0, 29.0, 27.5])
    up = compare(row, blurred)
    assert isinstance(up, Comparison) and up.verdict == "higher" and up.mean == pytest.approx(92 / 30, abs=1e-9)
    assert compare(blurred, row[:1] + 0.0).verdict == "no claim"  # one seed
    assert compare(row - 5, row).verdict == "lower"
    assert describe(compare(row - 5, row)).startswith("lower: -5.00 dB [")
    with pytest.raises(ValueError, match="images"):
        compare(row, np.zeros(4))
    with pytest.raises(ValueError, match="finite"):
        compare(row, np.array([np.nan, 1.0, 2.0]))


def test_interval_of_a_mean_covers_the_truth_and_degenerates_without_spread():
    rng = np.random.default_rng(4)
    covered = np.mean(
        [(lambda iv: iv.low <= 1.0 <= iv.high)(interval(simulate(rng, 3, 16, delta=1.0))) for _ in range(2000)]
    )
    assert covered >= 0.94
    flat = interval(np.full((3, 4), 2.0))
    assert flat.low == flat.high == flat.mean == 2.0


def test_per_seed_images_keeps_the_image_order():
    runs = [{"per_image": [{"psnr": 1.0}, {"psnr": 2.0}]}, {"per_image": [{"psnr": 3.0}, {"psnr": 4.0}]}]
    assert per_seed_images(runs).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(ValueError, match="different numbers"):
        per_seed_images([runs[0], {"per_image": [{"psnr": 1.0}]}])


def test_estimate_and_judge_say_the_interval_and_what_it_means_for_a_claim():
    c = stats.compare(np.array([[1.0, 1.2, 1.1]] * 3) + np.arange(3)[:, None] * 0.01, np.zeros(3))
    assert stats.estimate(c) == f"{c.mean:.2f} [{c.low:.2f}, {c.high:.2f}]"
    assert stats.judge(c) == f"supported: {stats.difference(c)}"
    assert stats.judge(c, {"higher": "fine"}).startswith("fine: +1.1")


def test_an_estimate_over_two_clusters_shows_no_interval():
    values = np.array([[20.0, 21.0, 30.0, 31.0]] * 3) + np.arange(3)[:, None] * 0.1
    two = stats.interval(values, clusters=["a", "a", "b", "b"])
    assert two.low < 0 and stats.estimate(two) == f"{two.mean:.2f} (2 scenes: too few for an interval)"
    for clusters in (["a"] * 4, ["a", "b", "c", "c"]):  # one cluster: the seeds' spread; three: an interval
        found = stats.interval(values, clusters=clusters)
        assert stats.estimate(found) == f"{found.mean:.2f} [{found.low:.2f}, {found.high:.2f}]"


def test_a_difference_under_the_smallest_effect_that_matters_is_never_higher():
    rng = np.random.default_rng(5)
    small = simulate(rng, 3, 64, delta=0.04, seed_sd=0.002, image_sd=0.01, noise_sd=0.01)
    found = compare(small, 0.0, margin=0.1)
    assert found.low > 0 and found.verdict == "equivalent"  # surely there, too small to matter
    assert compare(small, 0.0, margin=0.01).verdict == "higher"  # a claim whose threshold is lower


def clustered(rng, seeds, clusters, per_cluster, delta=0.0, cluster_sd=0.3, **kw):
    d = simulate(rng, seeds, clusters * per_cluster, delta=delta, **kw)
    return d + np.repeat(rng.normal(0, cluster_sd, clusters), per_cluster)[None]


def test_clusters_are_the_image_side_unit():
    """Crops of a few frames: treating them as independent images calls differences that are
    the frames' own; averaging within frames keeps the false-claim rate."""
    labels = np.repeat(np.arange(4), 8)
    rng = np.random.default_rng(6)
    naive = np.mean([compare(clustered(rng, 3, 4, 8), 0.0).verdict in ("higher", "lower") for _ in range(2000)])
    rng = np.random.default_rng(6)
    by_frame = np.mean(
        [compare(clustered(rng, 3, 4, 8), 0.0, clusters=labels).verdict in ("higher", "lower") for _ in range(2000)]
    )
    assert by_frame <= 0.06 < naive
    one_frame = compare(clustered(np.random.default_rng(7), 3, 1, 30), 0.0, clusters=[0] * 30)
    assert one_frame.clusters == 1 and one_frame.images == 30 and one_frame.dof == pytest.approx(2.0)


def test_holm_keeps_a_family_of_null_comparisons_at_five_percent():
    rng = np.random.default_rng(8)

    def family():
        return [compare(simulate(rng, 3, 16), 0.0) for _ in range(10)]

    trials = [family() for _ in range(1500)]
    raw = np.mean([any(c.verdict in ("higher", "lower") for c in f) for f in trials])
    corrected = np.mean([any(c.verdict in ("higher", "lower") for c in stats.holm(f)) for f in trials])
    assert corrected <= 0.065 < 0.2 < raw
    strong = [compare(simulate(rng, 3, 16, delta=2.0, seed_sd=0.05), 0.0) for _ in range(5)]
    assert all(c.verdict == "higher" for c in stats.holm(strong))  # a clear effect survives the correction


def test_power_for_a_third_of_a_db_at_three_seeds():
    """The book's design (3 seeds, 16 test scenes): a 0.3 dB effect is called higher most of the
    time when seeds agree to about 0.1 dB, and rarely when they spread by 0.3 dB."""
    rng = np.random.default_rng(9)
    agreeing, spread = (
        rate(
            lambda d: compare(d, 0.0).verdict == "higher",
            1000,
            rng,
            seeds=3,
            images=16,
            delta=0.3,
            seed_sd=seed_sd,
            image_sd=0.2,
            noise_sd=0.1,
        )
        for seed_sd in (0.05, 0.3)
    )
    assert agreeing >= 0.8 and spread < 0.5


def test_bounded_quantities_get_bounded_intervals():
    iou = np.array([[0.0, 0.0, 0.2], [0.0, 0.0, 0.0], [0.0, 0.01, 0.0]])
    found = interval(iou, bounds=(0.0, 1.0))
    assert found.low >= 0.0 and interval(iou).low < 0.0
