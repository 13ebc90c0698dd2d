from deblurbook.bench import time_call


def test_time_call_runs_warmup_plus_repeats_and_returns_seconds():
    calls = []
    seconds = time_call(lambda: calls.append(1), "cpu", repeats=4, warmup=2)
    assert len(calls) == 6 and 0 <= seconds < 1
