import os
import signal
import subprocess
import sys
import time

import pytest

from deblurbook.core.locks import LockedError, hold

HOLDER = """
import sys, time
from deblurbook.core.locks import hold
with hold(sys.argv[1], "the test folder"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_second_holder_is_refused_with_the_first_named_and_a_killed_holder_frees_it(tmp_path):
    lock = tmp_path / ".lock"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(LockedError, match=rf"the test folder is in use by pid {proc.pid} \("):
            with hold(lock, "the test folder"):
                pass
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    start = time.time()
    with hold(lock, "the test folder"):  # the kernel dropped the dead holder's lock
        assert time.time() - start < 1 and str(os.getpid()) in lock.read_text()
    assert lock.read_text() == ""  # released: no stale holder description
