from torch import nn

from deblurbook.training import protocol
from deblurbook.training.rows import row_experiment


def _row(cfg, iterations):
    return row_experiment(
        "t:row",
        nn.Identity(),
        nn.L1Loss(),
        ("blur",),
        cfg,
        seed=1,
        device="cpu",
        iterations=iterations,
        training_keys=("width",),
        settings={"row": "row"},
    )


def test_a_row_trains_the_budgets_steps_unless_told_and_records_its_keys():
    cfg = {**protocol.budget("smoke"), "width": 8, "iterations": 7, "unused": 1}
    built = _row(cfg, None)
    assert built.config.iterations == 7 and built.settings["steps"] == 7
    assert built.settings["width"] == 8 and built.settings["row"] == "row" and "unused" not in built.settings
    assert _row(cfg, 3).config.iterations == 3


def test_a_row_is_the_protocols_experiment_with_the_same_arguments():
    cfg = {**protocol.budget("smoke"), "width": 8, "iterations": 7}
    direct = protocol.experiment(
        "t:row", nn.Identity(), nn.L1Loss(), ("blur",), cfg, 7, 1, "cpu", {"width": 8, "row": "row"}
    )
    built = _row(cfg, None)
    assert built.settings == direct.settings and built.config == direct.config and built.inputs == direct.inputs
