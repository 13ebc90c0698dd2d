import pytest
import torch

from deblurbook.data.real import reds_clips
from deblurbook.data.references import ClipReferences, SwappedReference


class Items(torch.utils.data.Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {
            "blur": torch.full((3, 5, 7), i / 10),
            "sharp": torch.full((3, 5, 7), i / 10 + 0.01),
            "ref": torch.full((3, 5, 7), i / 10 + 0.02),
        }


def test_swaps_replace_only_the_reference():
    data = Items(4)
    assert torch.equal(SwappedReference(data, "same")[1]["ref"], data[1]["ref"])
    assert torch.equal(SwappedReference(data, "unrelated")[1]["ref"], data[3]["ref"])
    assert not SwappedReference(data, "zero")[2]["ref"].any()
    swapped = SwappedReference(data, "truth")[0]
    assert torch.equal(swapped["ref"], data[0]["sharp"]) and torch.equal(swapped["blur"], data[0]["blur"])
    with pytest.raises(ValueError, match="swap must be one of"):
        SwappedReference(data, "random")
    with pytest.raises(ValueError, match="two or more"):
        SwappedReference(Items(1), "unrelated")


def test_real_clips_take_the_previous_sharp_frame_as_reference():
    clips = reds_clips()
    data = ClipReferences(clips, gap=1, per_clip=2)
    first = next(iter(clips.values()))
    item = data[0]
    assert len(data) == 2 * len(clips) and item["ref"].shape == item["blur"].shape
    assert data.index[2][0] != data.index[0][0]  # half the set away lies in another clip
    from deblurbook.imaging.images import read_image

    assert torch.allclose(item["ref"], torch.from_numpy(read_image(first[0].sharp)).permute(2, 0, 1))
    with pytest.raises(ValueError, match="gap"):
        ClipReferences(clips, gap=0)
