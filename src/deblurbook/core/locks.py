"""One writer at a time: a lock per run folder and per build tree.

:func:`hold` takes an exclusive ``flock`` on a lock file and writes who holds
it (pid, command, start time) into it. A second holder fails at once with a
message naming the first. The kernel drops the lock when its process ends,
however it ends, so a lock left by a killed process is free again (its stale
description is simply overwritten).
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class LockedError(RuntimeError):
    """Another process holds the lock; the message names it."""


def _holder(handle) -> str:
    handle.seek(0)
    try:
        info = json.loads(handle.read() or "{}")
    except ValueError:
        info = {}
    if not info:
        return "another process"
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.get("since", 0)))
    return f"pid {info.get('pid')} ({info.get('command', '?')}), since {since}"


@contextmanager
def hold(path: str | os.PathLike, what: str) -> Iterator[Path]:
    """Hold the lock file ``path`` for the duration; ``what`` names the locked thing in errors."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                f"{what} is in use by {_holder(handle)}; wait for it to finish or stop it (lock file {path})"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "command": " ".join(sys.argv)[:200], "since": time.time()}))
        handle.flush()
        try:
            yield path
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


@contextmanager
def waiting_for(path: str | os.PathLike) -> Iterator[Path]:
    """Hold the lock file ``path``, waiting while another process holds it (for work that a
    second process should reuse once the first has finished it, not duplicate)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
