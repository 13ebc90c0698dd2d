import pytest
from torch.utils.data import Dataset

from deblurbook.data.alternating import AlternatingPhases


class Named(Dataset):
    def __init__(self, name, length):
        self.name, self.length = name, length

    def __len__(self):
        return self.length

    def __getitem__(self, i):
        return (self.name, i)


def test_batches_come_from_one_source_and_sources_take_turns():
    data = AlternatingPhases([Named("global", 40), Named("lbs", 100)], batch=2, phase_steps=3)
    assert len(data) == 2 * 6 * (40 // 6)
    steps = [[data[s * 2 + k] for k in range(2)] for s in range(12)]
    assert [step[0][0] for step in steps] == ["global"] * 3 + ["lbs"] * 3 + ["global"] * 3 + ["lbs"] * 3
    assert all(len({name for name, _ in step}) == 1 for step in steps)
    assert [i for _, i in steps[6]] == [6, 7]  # the second global phase continues where the first stopped


def test_out_of_range_and_bad_settings():
    data = AlternatingPhases([Named("a", 4)], batch=2, phase_steps=1)
    with pytest.raises(IndexError):
        data[len(data)]
    with pytest.raises(ValueError, match="phase_steps"):
        AlternatingPhases([Named("a", 4)], batch=2, phase_steps=0)


def test_the_ranks_of_one_step_share_its_phase():
    """Under torchrun, rank r of step s reads items (s * world + r) * batch ...: every rank of a
    step must read the same source (with one step per phase, as chapter 6 alternates)."""
    a, b = Named("a", 64), Named("b", 64)
    data = AlternatingPhases([a, b], batch=2, phase_steps=1, world=2)
    for step in range(4):
        sources = {data.source_of((step * 2 + rank) * 2)[0] for rank in range(2)}
        assert sources == {step % 2}, step
    single = AlternatingPhases([a, b], batch=2, phase_steps=1, world=1)
    assert [single.source_of(s * 2)[0] for s in range(4)] == [0, 1, 0, 1]
