"""The build directories behind the store link: which one to open, who holds it, what to prune.

``coopgraph build`` writes each store into ``<store>.builds/<name>`` and points the link
``<store>`` at it. RocksDB opens files by path at every flush, compaction and close, so a
process must open the *resolved* build directory, never the link: opened through the link, a
server would write its files into whichever build the link points at after a rebuild (and
delete that build's files as "obsolete"), which destroyed stores (issue 12).

A process that opens a build **holds** it: a shared ``flock`` on
``<store>.builds/.holds/<name>.lock`` for as long as it uses it. A build prunes only builds
that nobody holds (it takes the exclusive lock before removing one), so a running server's
build is never removed. The kernel drops the lock when the holder exits, however it exits
(SIGKILL included), so a dead server never pins a build and a reused PID never fakes a holder.
Builds of one store run one at a time (``.holds/build.lock``).
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

#: The folder, inside ``<store>.builds``, of the lock files.
HOLDS = ".holds"
#: The suffix of the builds folder next to the store link.
BUILDS_SUFFIX = ".builds"


class BuildInUse(Exception):
    """Another process builds this store right now."""


def builds_dir(link: Path) -> Path:
    """``<store>.builds``, the folder of the builds behind the link ``<store>``."""
    return link.with_name(link.name + BUILDS_SUFFIX)


def resolve(path: Path | str) -> Path:
    """The directory ``path`` stands for now (the link followed once), absolute."""
    return Path(os.path.realpath(path))


def is_build(directory: Path) -> bool:
    """True if ``directory`` is a build made by ``coopgraph build`` (inside ``*.builds``)."""
    return directory.parent.name.endswith(BUILDS_SUFFIX) and not directory.name.startswith(".")


def _lock_path(build: Path) -> Path:
    return build.parent / HOLDS / f"{build.name}.lock"


def _open_lock(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)


def _same_file(fd: int, path: Path) -> bool:
    """The lock file at ``path`` is still the one open as ``fd`` (a pruner did not unlink it)."""
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


class Hold:
    """A process's claim on one build: while it exists, no build prunes that directory."""

    def __init__(self, build: Path) -> None:
        self.build = build
        lock = _lock_path(build)
        for _ in range(10):
            fd = _open_lock(lock)
            # Blocks only while a pruner is removing this build (then the check below fails).
            fcntl.flock(fd, fcntl.LOCK_SH)
            if _same_file(fd, lock):
                break
            os.close(fd)  # unlinked by a pruner between open and lock: take the new file
        else:
            raise FileNotFoundError(f"cannot hold {build}: its lock file keeps changing")
        if not (build / "CURRENT").is_file():
            os.close(fd)
            raise FileNotFoundError(f"{build} is not a complete store (it was removed?)")
        self._fd: int | None = fd

    def release(self) -> None:
        """Let builds prune this directory again (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __repr__(self) -> str:
        return f"Hold({self.build})"


def hold(directory: Path) -> Hold | None:
    """Hold ``directory`` if it is a build; None for a plain store directory, or for the empty
    directory a build is writing (the build lock protects that one)."""
    if not is_build(directory) or not any(directory.iterdir()):
        return None
    return Hold(directory)


def is_held(build: Path) -> bool:
    """True if some live process holds ``build`` (diagnostics and tests)."""
    lock = _lock_path(build)
    if not lock.exists():
        return False
    fd = _open_lock(lock)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def prune(builds: Path, keep: set[Path]) -> list[Path]:
    """Remove the builds in ``builds`` that are not in ``keep`` and that nobody holds.

    Returns the removed directories. Dot-entries (the lock folder, query snapshots of a running
    server) are never touched.
    """
    removed: list[Path] = []
    keep = {resolve(k) for k in keep}
    for entry in sorted(builds.iterdir()):
        if entry.name.startswith(".") or not entry.is_dir() or entry.is_symlink():
            continue
        if resolve(entry) in keep:
            continue
        lock = _lock_path(entry)
        fd = _open_lock(lock)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a running process uses it
            shutil.rmtree(entry, ignore_errors=True)
            lock.unlink(missing_ok=True)  # while locked: a waiting holder then sees it gone
            removed.append(entry)
        finally:
            os.close(fd)
    return removed


class BuildLock:
    """One build of a store at a time: an exclusive, non-blocking lock."""

    def __init__(self, builds: Path) -> None:
        path = builds / HOLDS / "build.lock"
        fd = _open_lock(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise BuildInUse(f"another `coopgraph build` of this store is running ({path})") \
                from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd: int | None = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __enter__(self) -> BuildLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
