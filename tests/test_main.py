from deblurbook.__main__ import COMMANDS, main
from tests.conftest import ROOT, run_python


def test_commands_and_help(capsys):
    assert set(COMMANDS) == {"reproduce", "render", "train", "deblur"}
    assert main(["--help"]) == 0 and "reproduce" in capsys.readouterr().out
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert "expected a command" in capsys.readouterr().err


def test_python_dash_m_reaches_a_command():
    result = run_python(["-m", "deblurbook", "train", "--help"], cwd=ROOT)
    assert result.returncode == 0 and "--experiment" in result.stdout and "ch02:full" in result.stdout
