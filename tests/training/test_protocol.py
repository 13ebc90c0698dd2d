import pytest

from deblurbook.training import protocol


def test_every_profile_has_the_protocols_keys_and_an_unknown_one_is_named():
    for profile in ("smoke", "small", "paper"):
        cfg = protocol.budget(profile)
        assert set(protocol.KEYS) <= set(cfg)
        assert cfg["stream"].count("local") == 1 and len(cfg["stream"]) == 7
    with pytest.raises(ValueError, match="'gpu'"):
        protocol.budget("gpu")


def test_a_row_reading_more_signals_draws_the_same_scenes():
    import torch
    from torch import nn

    cfg = protocol.budget("smoke")
    built = [
        protocol.experiment("t:x", nn.Identity(), nn.L1Loss(), ("blur",), cfg, 2, 1, "cpu", {}, extra_signals=extra)
        for extra in ((), ("blur_prev",))
    ]
    plain, more = (exp.train_set[k] for exp, k in zip(built, (3, 3)))
    assert "blur_prev" in more and "blur_prev" not in plain
    assert all(torch.equal(plain[key], more[key]) for key in ("blur", "sharp", "blur_next", "ref"))
