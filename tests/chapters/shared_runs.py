"""What the chapters' tests ask of a row that shares chapter 7's runs."""

import dataclasses

from deblurbook.training import experiments, protocol


def same_training(own_name: str, shared_name: str, profile: str = "small", same_repr: bool = True):
    """Build ``own_name`` and ``shared_name`` (seed 2) and check that they train the same way: the
    configuration, steps, the protocol's settings, inputs, loss, network (its repr, or with
    ``same_repr=False`` its weights' shapes) and data stream; returns both experiments."""
    own = experiments.build(own_name, profile, seed=2, device="cpu")
    shared = experiments.build(shared_name, profile, seed=2, device="cpu")
    assert dataclasses.asdict(own.config) == dataclasses.asdict(shared.config)
    assert own.settings["steps"] == shared.settings["steps"]
    assert {k: own.settings[k] for k in protocol.KEYS} == {k: shared.settings[k] for k in protocol.KEYS}
    assert own.inputs == shared.inputs and repr(own.loss) == repr(shared.loss)
    if same_repr:
        assert repr(own.model) == repr(shared.model)
    shapes = [{k: v.shape for k, v in e.model.state_dict().items()} for e in (own, shared)]
    assert shapes[0] == shapes[1]
    assert (own.train_set.length, own.train_set.seed) == (shared.train_set.length, shared.train_set.seed)
    return own, shared
