import pytest

from deblurbook.training import protocol


def test_every_profile_has_the_protocols_keys_and_an_unknown_one_is_named():
    for profile in ("smoke", "small", "paper"):
        cfg = protocol.budget(profile)
        assert set(protocol.KEYS) <= set(cfg)
        assert cfg["stream"].count("local") == 1 and len(cfg["stream"]) == 7
    with pytest.raises(ValueError, match="'gpu'"):
        protocol.budget("gpu")
