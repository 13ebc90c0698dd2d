import math

import pytest

from deblurbook.training.cosine import CosineConfig


def test_the_cosine_runs_from_lr_to_eta_min():
    cfg = CosineConfig(iterations=10, batch=1, lr=1.0, eta_min=0.1)
    assert cfg.lr_at(0) == 1.0 and cfg.lr_at(10) == pytest.approx(0.1)
    assert cfg.lr_at(5) == pytest.approx(0.55)
    assert cfg.lr_at(2) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.2)))


def test_bad_settings_are_refused():
    for bad in (dict(schedule="step"), dict(eta_min=2.0), dict(iterations=0)):
        with pytest.raises(ValueError):
            CosineConfig(**{"iterations": 10, "batch": 1, "lr": 1.0, **bad})
