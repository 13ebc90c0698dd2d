"""The training-mix benchmark's streams and its paired report, on a made-up record (no training)."""

import importlib.util

import numpy as np

from tests.conftest import ROOT


def _module():
    spec = importlib.util.spec_from_file_location("training_mix", ROOT / "benchmarks" / "training_mix.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_stream_replaces_one_slot_in_every():
    mix = _module()
    assert mix.stream("none", 7) == ("global", "mixed")
    local = mix.stream("local", 7)
    assert len(local) == 7 and local[-1] == "local" and local[:6] == ("global", "mixed") * 3
    still = mix.stream("still", 3)[-1]
    assert still.name == "still" and still.camera.speed == (0.0, 0.0) and still.objects == (0, 0)


def test_the_report_pairs_each_mix_with_none_seed_by_seed(capsys):
    mix = _module()
    rng = np.random.default_rng(0)
    inputs = {name: list(rng.uniform(20, 30, 5)) for name in mix.SETS}
    local_input = {"still": [None] * 5, "moved": list(rng.uniform(20, 25, 5))}

    def seed_scores(shift: float) -> dict:
        found = {name: [v + 0.5 + shift for v in inputs[name]] for name in mix.SETS}
        found["regions"] = {"still": [35.0 + shift] * 5, "moved": [v + 0.5 + shift for v in local_input["moved"]]}
        return found

    record = {
        "mixes": {
            "none": {str(s): seed_scores(0.01 * s) for s in range(3)},
            "local": {str(s): seed_scores(1.0 + 0.01 * s) for s in range(3)},
        }
    }
    table = mix.rows(record, inputs, local_input)
    assert np.allclose(table["none"][1]["global"], 0.5 + np.array([[0.0], [0.01], [0.02]]))
    assert np.allclose(table["local"][1]["still"], 36.0 + np.array([[0.0], [0.01], [0.02]]))
    clusters = {name: [f"scene {k}" for k in range(5)] for name in mix.SETS}
    mix.report(record, inputs, local_input, clusters)
    out = capsys.readouterr().out
    assert out.count("local - none") == len(mix.SETS) + 2 and "+1.00 dB" in out
