import pytest
import torch

from deblurbook.nn.matching import match_chunked, match_full, patch_vectors, transfer


def _vectors(seed: int, size: tuple[int, int], channels: int = 4) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return patch_vectors(torch.rand(2, channels, *size, generator=g), centre=True)


@pytest.mark.parametrize("chunks", [(1, 1), (5, 3), (7, 64), (4096, 4096)])
def test_chunked_matching_gives_the_full_matrix_indices_and_confidences(chunks):
    query, ref = _vectors(0, (7, 9)), _vectors(1, (5, 11))
    conf_full, index_full = match_full(query, ref)
    conf, index = match_chunked(query, ref, *chunks)
    top2 = torch.bmm(ref.transpose(1, 2), query).topk(2, dim=1).values
    clear = (top2[:, 0] - top2[:, 1]) > 1e-6
    assert clear.float().mean() > 0.9 and torch.equal(index[clear], index_full[clear])
    assert torch.allclose(conf, conf_full, atol=1e-6)


def test_ties_keep_the_first_reference_patch_as_torch_max_does():
    ref = torch.zeros(1, 3, 10)
    ref[0, 0, [2, 5, 9]] = 1.0  # three equal best matches for the query below
    ref[0, 1, [0, 1, 3]] = 1.0
    query = torch.tensor([[[1.0], [0.0], [0.0]]])
    assert match_full(query, ref)[1].item() == 2
    for chunks in [(1, 1), (1, 3), (1, 4), (1, 100)]:
        assert match_chunked(query, ref, *chunks)[1].item() == 2


def test_the_confidence_carries_gradients_to_the_query_features():
    features = torch.rand(1, 2, 5, 6, requires_grad=True)
    conf, _ = match_chunked(patch_vectors(features, centre=True), _vectors(3, (4, 7), channels=2)[:1], 4, 4)
    conf.sum().backward()
    assert features.grad is not None and features.grad.abs().sum() > 0


@pytest.mark.parametrize("factor", [1, 2, 4])
def test_transfer_with_the_identity_index_returns_the_reference(factor):
    h, w = 5, 7
    ref = torch.rand(2, 3, h * factor, w * factor)
    index = torch.arange(h * w).expand(2, -1)
    assert torch.allclose(transfer(ref, index, (h, w), factor), ref, atol=1e-6)


def test_transfer_moves_a_patch_to_the_position_that_chose_it():
    ref = torch.zeros(1, 1, 4, 5)
    ref[0, 0, 1, 3] = 1.0  # reference position 1 * 5 + 3 = 8
    index = torch.full((1, 20), 0)
    index[0, 0] = 8  # query position (0, 0) takes reference patch 8
    out = transfer(ref, index, (4, 5))
    assert out[0, 0, 0, 0] > 0 and out[0, 0, 3, 4] == 0


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="same B and D"):
        match_chunked(torch.rand(1, 9, 4), torch.rand(1, 18, 4))
    with pytest.raises(ValueError, match="query grid"):
        transfer(torch.rand(1, 1, 4, 4), torch.zeros(1, 5, dtype=torch.long), (4, 4))
