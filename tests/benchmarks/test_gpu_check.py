"""The prepared GPU check runs end to end on the CPU at the smoke profile (tiny sizes)."""

import importlib.util

from tests.conftest import ROOT


def _gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "benchmarks" / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_gpu_check_measures_every_main_experiment_and_writes_its_file(empty_root, tmp_path):
    record = _gpu_check().main(
        [
            "--profile",
            "smoke",
            "--device",
            "cpu",
            "--seconds",
            "0.5",
            "--steps",
            "2",
            "--workers",
            "0",
            "--out",
            str(tmp_path),
        ]
    )
    assert [r["experiment"] for r in record["experiments"]] == list(_gpu_check().MAIN)
    for row in record["experiments"]:
        assert row["timed_steps"] >= 1 and row["steps_per_second"] > 0 and 0 <= row["data_wait_share"] <= 1
        assert row["hours_for_chapter"] >= row["hours_for_schedule"] > 0
    assert record["sgenet_runtime"]["synchronised"] > 0 and record["device"]["device"] == "cpu"
    assert (tmp_path / "gpu_check.json").is_file()
