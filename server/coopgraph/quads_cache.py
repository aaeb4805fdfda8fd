"""N-Quads copies of a store's content, kept beside it and keyed by its files.

Why: a query worker evaluates from an in-memory copy of its snapshot (query_worker.py), and
reading the RocksDB snapshot is most of that copy's cost (16 s of 22 at 1M quads; loading
N-Quads into memory is the other 6). The content of a flushed RocksDB snapshot is fixed by
its table files: they are immutable and numbered anew by every flush or compaction, so the
same names and sizes mean the same quads. ``coopgraph build`` writes the copy of what it
built, and the first worker to dump a snapshot keeps its copy; a worker whose snapshot has
the same files then loads the copy instead of reading the store (after a restart, or on the
first start after a build). A snapshot whose write-ahead log holds data has no key: it is
always read from RocksDB.

Only the newest copy is kept (a copy is about 225 bytes a quad). The folder lies inside the
store's directory (RocksDB ignores it), so it goes with the build when builds are pruned.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox

#: The folder, inside a store's directory, that holds its copy.
FOLDER = "coopgraph-quads"


def key(snapshot: str | Path) -> str | None:
    """What identifies the content of a flushed RocksDB directory: a digest of its table
    files' names and sizes; None when a write-ahead log holds data (the content is then not
    fixed by the tables) or the directory cannot be listed."""
    tables: list[str] = []
    try:
        with os.scandir(snapshot) as entries:
            for entry in entries:
                if entry.name.endswith(".log") and entry.stat().st_size > 0:
                    return None
                if entry.name.endswith(".sst"):
                    tables.append(f"{entry.name}:{entry.stat().st_size}")
    except OSError:
        return None
    if not tables:
        return None
    return hashlib.sha256("\n".join(sorted(tables)).encode()).hexdigest()[:32]


def cached(store_dir: str | Path, snapshot_key: str | None) -> Path | None:
    """The copy kept in ``store_dir`` for a snapshot with this key, if there is one."""
    if snapshot_key is None:
        return None
    path = Path(store_dir) / FOLDER / f"{snapshot_key}.nq"
    return path if path.is_file() else None


def keep(store_dir: str | Path, snapshot_key: str | None, dump: str | Path) -> None:
    """Keep ``dump`` (a complete N-Quads file of the snapshot) as the store's copy for the
    key: hard-linked when on the same file system, else copied, under a private name then
    renamed; older copies are removed. Failures (a read-only store) leave no copy behind."""
    if snapshot_key is None:
        return
    folder = Path(store_dir) / FOLDER
    target = folder / f"{snapshot_key}.nq"
    partial = folder / f".{snapshot_key}.{os.getpid()}.part"
    try:
        folder.mkdir(exist_ok=True)
        try:
            os.link(dump, partial)
        except OSError:
            shutil.copyfile(dump, partial)
        os.replace(partial, target)
        for other in folder.glob("*.nq"):
            if other != target:
                other.unlink()
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()


def write_for(store_dir: str | Path) -> bool:
    """Write the copy of a closed store's content, as ``coopgraph build`` does at its end.

    The store is opened once more first: opening replays what its write-ahead log still
    holds into new table files, so the files are then those that the server's snapshots will
    have. True when a copy was kept."""
    with tempfile.TemporaryDirectory(prefix="coopgraph-checkpoint-",
                                     dir=Path(store_dir).parent) as tmp:
        checkpoint = Path(tmp) / "checkpoint"
        store = ox.Store(str(store_dir))
        try:
            store.flush()
            store.backup(str(checkpoint))
        finally:
            del store  # closes RocksDB
        snapshot_key = key(checkpoint)
        if snapshot_key is None:
            return False
        if cached(store_dir, snapshot_key) is not None:
            return True
        dump = Path(tmp) / "quads.nq"
        reader = ox.Store.read_only(str(checkpoint))
        reader.dump(output=str(dump), format=ox.RdfFormat.N_QUADS)
        del reader
        keep(store_dir, snapshot_key, dump)
        return cached(store_dir, snapshot_key) is not None
