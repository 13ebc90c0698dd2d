from deblurbook.book.timing import time_call


def test_time_call_runs_warmup_plus_repeats_and_returns_seconds():
    calls = []
    seconds = time_call(lambda: calls.append(1), "cpu", repeats=4, warmup=2)
    assert len(calls) == 6 and seconds >= 0


def test_time_spatial_rnn_times_both_implementations():
    from deblurbook.book.timing import time_spatial_rnn
    from deblurbook.nn.scan import spatial_rnn, spatial_rnn_loop

    for fn in (spatial_rnn, spatial_rnn_loop):
        assert time_spatial_rnn(fn, (2, 5, 7), "cpu", repeats=1) > 0


def test_unsynchronised_timing_reads_the_clock_before_the_device_sync(monkeypatch):
    from deblurbook.book import timing

    events = []
    monkeypatch.setattr(timing, "_sync", lambda device: events.append("sync"))
    monkeypatch.setattr(timing.time, "perf_counter", lambda: events.append("clock") or 0.0)
    timing.time_call(lambda: events.append("call"), "cpu", repeats=1, warmup=0, synchronise=False)
    assert events == ["sync", "clock", "call", "clock", "sync"]
    events.clear()
    timing.time_call(lambda: events.append("call"), "cpu", repeats=1, warmup=0)
    assert events == ["sync", "clock", "call", "sync", "clock", "sync"]


def test_seconds_per_image_warms_up_on_a_corner_then_times_the_whole_image():
    import torch

    from deblurbook.book.timing import seconds_per_image

    sizes = []

    class Recorder(torch.nn.Module):
        def forward(self, x):
            sizes.append(tuple(x.shape[-2:]))
            assert not torch.is_grad_enabled()
            return x

    assert seconds_per_image(Recorder(), (70, 90), "cpu", repeats=2) >= 0
    assert sizes == [(64, 64), (70, 90), (70, 90)]
