import numpy as np
import pytest

from deblurbook.data import content
from deblurbook.imaging import metrics


def test_every_bundled_photo_loads_as_rgb_float():
    for photo in content.PHOTOS:
        image = content.load_photo(photo.name)
        assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.float32, photo.name
        assert 0 <= image.min() and image.max() <= 1 and min(image.shape[:2]) >= 128
        assert photo.licence


def test_test_content_is_never_training_content():
    train, test = set(content.photo_names("train")), set(content.photo_names("test"))
    assert train and test and not train & test
    with pytest.raises(ValueError, match="split"):
        content.photo_names("val")
    with pytest.raises(ValueError, match="unknown photo"):
        content.load_photo("nope")


def test_dead_leaves_deterministic_and_covering():
    a = content.dead_leaves((37, 53), np.random.default_rng(1))
    b = content.dead_leaves((37, 53), np.random.default_rng(1))
    assert a.shape == (37, 53, 3) and np.array_equal(a, b)
    assert len(np.unique(a.reshape(-1, 3), axis=0)) > 5  # many leaves, not a flat fill


def _psnr_under_box_blur(image: np.ndarray, length: int = 15) -> float:
    from scipy.ndimage import uniform_filter1d

    blurred = uniform_filter1d(image.astype(np.float64), length, axis=1, mode="reflect")
    return float(metrics.psnr(blurred, image))


def test_dead_leaves_are_as_hard_to_deblur_as_the_training_photos():
    rng = np.random.default_rng(0)
    photos = [
        np.median(
            [_psnr_under_box_blur(content.random_crop_resized(content.load_photo(n), (96, 96), rng)) for _ in range(4)]
        )
        for n in content.photo_names("train")
    ]
    leaves = [
        _psnr_under_box_blur(content.dead_leaves((96, 96), np.random.default_rng(i), r_max=48)) for i in range(16)
    ]
    classic = [
        _psnr_under_box_blur(content.dead_leaves((96, 96), np.random.default_rng(i), r_max=48, contrast=(1, 1)))
        for i in range(16)
    ]
    assert abs(np.median(leaves) - np.median(photos)) < 2.0, (np.median(leaves), np.median(photos))
    assert np.median(classic) < min(photos)  # what the contrast range is for


def test_content_pool_draws_exact_sizes_from_each_source(tmp_path):
    from deblurbook.imaging.images import write_png

    write_png(tmp_path / "mine.png", np.full((20, 30, 3), 0.5))
    rng = np.random.default_rng(0)
    for kinds in ({"photos": 1}, {"dead_leaves": 1}):
        assert content.ContentPool("train", kinds).draw((33, 47), rng).shape == (33, 47, 3)
    user = content.ContentPool("train", {"user": 1}, user_folder=tmp_path).draw((40, 50), rng)
    assert user.shape == (40, 50, 3) and np.allclose(user, 0.5, atol=1 / 255)


def test_content_pool_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown content kinds"):
        content.ContentPool("train", {"noise": 1})
    with pytest.raises(ValueError, match="user_folder"):
        content.ContentPool("train", {"user": 1})
    with pytest.raises(FileNotFoundError, match="no png"):
        content.ContentPool("train", user_folder=tmp_path)
    with pytest.raises(FileNotFoundError, match="not found"):
        content.user_images(tmp_path / "missing")
