"""Write files so that a reader never sees half of one.

Everything the book writes (results, checkpoints, executed notebooks, stamps)
goes to a temporary file in the same folder and is renamed into place, which
is atomic on POSIX file systems. The temporary file's name carries the
writer's process id, so that a later save can remove the leftovers of a
writer that was killed (and only those). Files get the user's default
permissions (the umask), not the private mode of a temporary file.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

TEMP_MARK = ".tmp"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def clean_stale_temporaries(path: Path) -> list[Path]:
    """Remove temporary files of ``path`` left by writers that no longer run."""
    removed = []
    for candidate in path.parent.glob(f".{path.stem}.*{TEMP_MARK}{path.suffix}"):
        parts = candidate.name[len(path.stem) + 2 :].split(".")
        if parts and parts[0].isdigit() and not _pid_alive(int(parts[0])):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def clean_stale_folder(folder: Path) -> list[Path]:
    """Remove every temporary file in ``folder`` left by a writer that no longer runs."""
    removed = []
    for candidate in Path(folder).glob(f".*{TEMP_MARK}*"):
        stem, _, rest = candidate.name[1:].partition(f"{TEMP_MARK}")
        removed += clean_stale_temporaries(candidate.with_name(stem.rsplit(".", 2)[0] + rest))
    return removed


def default_mode() -> int:
    """The mode a new file gets from the user's umask (0644 for the usual 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    On an exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem}.{os.getpid()}.", suffix=f"{TEMP_MARK}{path.suffix}", dir=path.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, default_mode())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Atomically write ``text`` (UTF-8) to ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: str | os.PathLike, data: Any) -> Path:
    """Atomically write ``data`` as indented, key-sorted JSON."""
    return write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file, naming the file if it is missing or malformed."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from None
