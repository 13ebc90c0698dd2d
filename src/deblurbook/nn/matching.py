"""Dense patch matching between two feature maps, without the full similarity matrix.

Reference-based restoration (TTSR's scheme, and Liu et al.'s REAM, Liu et al.'s Eqs. 1-4)
unfolds two feature maps into 3x3 patches, normalises each patch vector,
and for every query patch ``i`` finds the reference patch ``j`` of highest
cosine similarity ``R_ij`` (Liu et al.'s Eq. 1): the index map ``P_i = argmax_j R_ij``
(Liu et al.'s Eq. 2) and the confidence ``C_i = max_j R_ij`` (Liu et al.'s Eq. 3). Reference features
are then unfolded at each scale, the patch ``P_i`` taken for every position
``i``, and folded back (Liu et al.'s Eq. 4: :func:`transfer`).

The full matrix ``R`` has ``N_query x N_ref`` entries: 57,600 x 57,600 for a
720x1280 frame matched at a quarter of its size, 13.3 GB in float32, the
memory the paper names as its limitation. :func:`match_chunked` never forms
it: it walks blocks of queries and of reference patches, keeping a running
maximum and argmax, so its peak memory is one block. A strict ``>`` between
blocks and ``max`` within a block keep the first index among equal values,
as :func:`torch.max` does on the full matrix, so both give the same indices.
The search runs without gradients; the confidence is then recomputed from
the chosen patch vectors, so it carries gradients to learnable features.

Shapes: feature maps (B, C, H, W); patch vectors (B, D, N) with D = C * 9 and
N = H * W (stride 1, padding 1: every position has a patch); indices (B, N)
into the reference's positions; confidences (B, N). Searches run in float32
whatever the autocast dtype.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

EPS = 1e-8


def patch_vectors(features: torch.Tensor, kernel: int = 3, centre: bool = False) -> torch.Tensor:
    """Unit-length ``kernel x kernel`` patch vectors at every position, (B, C * k * k, H * W).

    ``centre`` subtracts each patch's mean first (normalised cross-correlation): without it,
    patches of non-negative values all point into one orthant and score near 1 everywhere. A
    patch with no variation becomes the zero vector (it matches nothing better than anything)."""
    if features.ndim != 4:
        raise ValueError(f"features must be (B, C, H, W), got {tuple(features.shape)}")
    cols = F.unfold(features.float(), kernel, padding=kernel // 2)
    if centre:
        cols = cols - cols.mean(1, keepdim=True)
    return cols / cols.norm(dim=1, keepdim=True).clamp_min(EPS)


def _check(query: torch.Tensor, ref: torch.Tensor) -> None:
    if query.ndim != 3 or ref.ndim != 3 or query.shape[:2] != ref.shape[:2]:
        raise ValueError(
            f"patch vectors must be (B, D, N) with the same B and D, got {tuple(query.shape)} and {tuple(ref.shape)}"
        )


def match_full(query: torch.Tensor, ref: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Liu et al.'s Eqs. 1-3 through the whole (B, N_ref, N_query) similarity matrix: (confidence, index).
    The reference for :func:`match_chunked`; its memory grows with N_ref * N_query."""
    _check(query, ref)
    similarity = torch.bmm(ref.float().transpose(1, 2), query.float())
    confidence, index = similarity.max(1)
    return confidence, index


@torch.no_grad()
def _search(query: torch.Tensor, ref: torch.Tensor, query_chunk: int, ref_chunk: int) -> torch.Tensor:
    batch, _, n_query = query.shape
    index = torch.zeros(batch, n_query, dtype=torch.long, device=query.device)
    for q0 in range(0, n_query, query_chunk):
        q = query[:, :, q0 : q0 + query_chunk]
        best = torch.full(q.shape[::2], -torch.inf, device=query.device)
        found = torch.zeros(q.shape[::2], dtype=torch.long, device=query.device)
        for r0 in range(0, ref.shape[2], ref_chunk):
            value, where = torch.bmm(ref[:, :, r0 : r0 + ref_chunk].transpose(1, 2), q).max(1)
            better = value > best  # strict: an equal value later keeps the earlier index, as torch.max
            best = torch.where(better, value, best)
            found = torch.where(better, where + r0, found)
        index[:, q0 : q0 + query_chunk] = found
    return index


def match_chunked(
    query: torch.Tensor, ref: torch.Tensor, query_chunk: int = 4096, ref_chunk: int = 4096
) -> tuple[torch.Tensor, torch.Tensor]:
    """Liu et al.'s Eqs. 1-3 in blocks of ``query_chunk`` x ``ref_chunk`` similarities: (confidence, index),
    the indices those of :func:`match_full`; the confidence recomputed from the chosen reference
    vectors, with gradients."""
    _check(query, ref)
    if query_chunk < 1 or ref_chunk < 1:
        raise ValueError(f"chunk sizes must be positive, got {query_chunk} and {ref_chunk}")
    query, ref = query.float(), ref.float()
    index = _search(query.detach(), ref.detach(), query_chunk, ref_chunk)
    chosen = ref.gather(2, index[:, None, :].expand(-1, ref.shape[1], -1))
    return (query * chosen).sum(1), index


def transfer(
    ref_features: torch.Tensor, index: torch.Tensor, query_size: tuple[int, int], factor: int = 1
) -> torch.Tensor:
    """Liu et al.'s Eq. 4: the reference features moved to the query's positions by ``index``.

    ``ref_features`` (B, C, h * factor, w * factor) for a reference matched on an h x w grid;
    ``index`` (B, H * W) from a query matched on an H x W grid (``query_size``). Patches of
    ``3 * factor`` px with stride ``factor`` and padding ``factor`` (one grid cell and its
    neighbours, TTSR's scheme) are unfolded, picked and folded back into (B, C, H * factor,
    W * factor), overlaps averaged by the fold of ones (not divided by 9, which darkens borders)."""
    k, s, p = 3 * factor, factor, factor
    h, w = query_size
    if index.shape[1] != h * w:
        raise ValueError(f"index has {index.shape[1]} positions, the query grid {h}x{w} has {h * w}")
    cols = F.unfold(ref_features, k, padding=p, stride=s)
    if cols.shape[2] <= int(index.max()):
        raise ValueError(f"index {int(index.max())} is past the reference's {cols.shape[2]} patches")
    picked = cols.gather(2, index[:, None, :].expand(-1, cols.shape[1], -1))
    size = (h * factor, w * factor)
    ones = torch.ones(1, 1, *size, device=ref_features.device, dtype=ref_features.dtype)
    weight = F.fold(F.unfold(ones, k, padding=p, stride=s), size, k, padding=p, stride=s)
    return F.fold(picked, size, k, padding=p, stride=s) / weight
