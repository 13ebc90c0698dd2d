"""The data-rate benchmark runs on the CPU at the smoke profile and says how many workers a GPU needs."""

import importlib.util

import torch

from tests.conftest import ROOT


def test_the_data_rate_is_measured_for_every_main_experiment(empty_root, tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("data_rate", ROOT / "benchmarks" / "data_rate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    threads = torch.get_num_threads()
    record = module.main(["--profile", "smoke", "--batches", "1", "--out", str(tmp_path)])
    assert torch.get_num_threads() == threads  # later tests compare runs bit for bit at the process's count
    assert [r["experiment"] for r in record["rows"]] == list(module.MAIN)
    for row in record["rows"]:
        assert row["seconds_per_batch"] > 0 and row["batch"] >= 1
        needed = [row["workers_needed"][str(rate)] for rate in module.GPU_STEP_RATES]
        assert needed == sorted(needed) and needed[0] >= 1  # more steps per second never need fewer workers
    assert (tmp_path / "data_rate.json").is_file() and "workers" in capsys.readouterr().out
