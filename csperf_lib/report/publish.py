"""Publishing a report folder atomically, and sweeping what killed runs left behind.

A review is written to a hidden ``<out>/.D.partial-<pid>/`` folder and published as ``<out>/D/``
only once whole. Replacing an earlier ``D/`` must never leave a moment without one: on Linux the
two folders are swapped in one ``renameat2(RENAME_EXCHANGE)`` system call (called through ctypes:
Python's ``os`` module has no binding for it), so a reader or a kill sees either the old report or
the new one. Where the call is missing (another kernel or system) the old folder is moved aside
first; a kill in that instant is repaired by the next run (:func:`sweep_stale`), which also removes
the partial folders of runs killed by a signal no handler can catch (SIGKILL, power loss).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

__all__ = ["failed_dir", "publish", "sweep_stale", "terminate_as_interrupt"]

#: ``.2026-03-31.partial-1234`` and ``.2026-03-31.old-1234``: hidden work folders of the run with pid 1234.
_WORK_FOLDER = re.compile(r"^\.(?P<date>\d{4}-\d{2}-\d{2})\.(?P<kind>partial|old)-(?P<pid>\d+)$")
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one atomic step; False where the system cannot."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(first))


def publish(partial: Path, final: Path) -> None:
    """Move ``partial`` to ``final``, replacing a previous report only now that the new one is whole,
    and never leaving a moment without ``final``."""
    if not final.exists():
        partial.rename(final)
        return
    if _exchange(partial, final):
        shutil.rmtree(partial, ignore_errors=True)  # it now holds the previous report
        return
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if old.exists():
        shutil.rmtree(old)
    final.rename(old)
    try:
        partial.rename(final)
    except BaseException:
        old.rename(final)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def sweep_stale(out: Path) -> list[str]:
    """Remove the work folders of runs that are no longer running, restoring a report a killed
    run had moved aside; what was done, in words."""
    done = []
    if not out.is_dir():
        return done
    for folder in sorted(out.iterdir()):
        match = _WORK_FOLDER.match(folder.name)
        if not match or not folder.is_dir() or _alive(int(match["pid"])):
            continue
        final = out / match["date"]
        if match["kind"] == "old" and not final.exists():
            folder.rename(final)
            done.append(f"restored the report {final.name}/ that an interrupted run had moved aside")
        else:
            shutil.rmtree(folder, ignore_errors=True)
            done.append(f"removed {folder.name}/ left by an interrupted run")
    return done


def failed_dir(out: Path, date: str) -> Path:
    """A new ``<out>/<date>.failed-HHMMSS`` folder name (numbered when taken)."""
    stamp = dt.datetime.now().strftime("%H%M%S")
    candidate = out / f"{date}.failed-{stamp}"
    n = 2
    while candidate.exists():
        candidate = out / f"{date}.failed-{stamp}-{n}"
        n += 1
    return candidate


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block SIGTERM and SIGHUP (a stopped cron job, a closed terminal) raise
    KeyboardInterrupt like Ctrl-C, so the run's clean-up runs; the previous handlers are restored
    after. Outside the main thread signals cannot be handled and the block changes nothing."""
    previous = {}
    try:
        for number in (signal.SIGTERM, signal.SIGHUP):
            previous[number] = signal.signal(number, _interrupt)
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
