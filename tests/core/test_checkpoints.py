import pytest
import torch

from deblurbook.core import checkpoints
from deblurbook.core.checkpoints import CheckpointError


def state():
    torch.manual_seed(0)
    return {"model": {"w": torch.randn(64, 64)}, "step": 3}


def test_round_trip_with_a_digest_beside_it(tmp_path):
    path = checkpoints.save(state(), tmp_path / "checkpoint.pt")
    assert checkpoints.digest_path(path).is_file()
    assert torch.equal(checkpoints.load(path)["model"]["w"], state()["model"]["w"])
    checkpoints.save({**state(), "step": 4}, path)  # overwrite: the digest follows
    assert checkpoints.load(path)["step"] == 4


def test_a_flipped_byte_is_refused_by_name(tmp_path):
    path = checkpoints.save(state(), tmp_path / "checkpoint.pt")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40  # inside the weights: torch.load alone would give a wrong number
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="checkpoint.pt: contents differ from its digest"):
        checkpoints.load(path)


def test_empty_foreign_and_incomplete_files_are_named(tmp_path):
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty.pt: empty file"):
        checkpoints.load(empty)
    foreign = tmp_path / "foreign.pt"
    torch.save(state(), foreign)
    with pytest.raises(CheckpointError, match="foreign.pt: no digest file foreign.pt.sha256"):
        checkpoints.load(foreign)
    partial = checkpoints.save({"step": 1}, tmp_path / "partial.pt")
    with pytest.raises(CheckpointError, match="partial.pt: no 'model' entry"):
        checkpoints.load(partial)
    with pytest.raises(FileNotFoundError, match="nothere.pt: checkpoint not found"):
        checkpoints.load(tmp_path / "nothere.pt")


def test_a_kill_between_the_two_renames_leaves_a_pair_that_verifies(tmp_path, monkeypatch):
    path = checkpoints.save(state(), tmp_path / "checkpoint.pt")
    real = checkpoints.atomic.write_json
    calls = []

    def die_on_second_digest_write(target, data):
        calls.append(data)
        if len(calls) == 2:  # the checkpoint is renamed, its final digest not yet written
            raise KeyboardInterrupt
        return real(target, data)

    monkeypatch.setattr(checkpoints.atomic, "write_json", die_on_second_digest_write)
    with pytest.raises(KeyboardInterrupt):
        checkpoints.save({**state(), "step": 9}, path)
    monkeypatch.setattr(checkpoints.atomic, "write_json", real)
    assert checkpoints.load(path)["step"] == 9


def test_saving_the_same_state_twice_writes_the_same_bytes(tmp_path):
    state = {"model": {"w": torch.arange(6.0).reshape(2, 3)}}
    first, second = checkpoints.save(state, tmp_path / "a.pt"), checkpoints.save(state, tmp_path / "b.pt")
    assert first.read_bytes() == second.read_bytes()
