"""The index directory: immutable segments, and snapshots whose manifest lists the live segments and
the reports deleted from them; a change is built aside and switched in atomically.

Layout::

    INDEX/CURRENT                 name of the live snapshot (replaced atomically)
    INDEX/snapshots/<name>/       manifest.json: identity, segments, deletions, counts
    INDEX/segments/<name>/        one segment's files (see :mod:`reportqa.index.segment`)
    INDEX/snapshots/.build-*      a build in progress: its manifest and new segments (removed if it fails)
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import CorruptIndexError, IndexMismatchError, IndexMissingError, IndexWriteError, UsageError

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
INDEX_COMMAND = "reportqa index --index {root} --corpus DIR (DIR: the folder of your reports)"
REBUILD_HINT = "rebuild it with: " + INDEX_COMMAND


class SnapshotStore:
    """Owns ``INDEX/``: where snapshots live and which one is current."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.snapshots = self.root / "snapshots"
        self.segments = self.root / "segments"

    def current(self) -> Path | None:
        """The live snapshot directory, or None when nothing was built yet."""
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise CorruptIndexError(f"{pointer} is unreadable ({exc}); " + REBUILD_HINT.format(root=self.root)) from exc
        path = self.snapshots / name
        if not name or "/" in name or not path.is_dir():
            raise CorruptIndexError(f"{pointer} names a missing snapshot {path.name}; "
                                    + REBUILD_HINT.format(root=self.root))
        return path

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """Exclusive build lock (one writer at a time; readers never wait)."""
        return folder_lock(self.root)

    def begin(self) -> Path:
        """A fresh, empty build directory (stale ones from crashed builds are removed)."""
        self.snapshots.mkdir(parents=True, exist_ok=True)
        for stale in self.snapshots.glob(".build-*"):
            shutil.rmtree(stale, ignore_errors=True)
        path = self.snapshots / f".build-{uuid.uuid4().hex[:8]}"
        path.mkdir()
        return path

    @contextlib.contextmanager
    def building(self) -> Iterator[Path]:
        """A build directory, removed if anything fails while it is written; the live snapshot is untouched.
        A write error (a full disk) is raised as :class:`IndexWriteError` naming the cause and the fix."""
        build = self.begin()
        try:
            yield build
        except BaseException as exc:
            shutil.rmtree(build, ignore_errors=True)
            if not isinstance(exc, OSError):
                raise
            raise IndexWriteError(write_error(self.root, exc)) from exc

    def commit(self, build: Path, manifest: dict[str, Any]) -> Path:
        """Move the segments written in ``build`` into place, write the manifest, and make ``build`` the
        live snapshot. Segments no kept snapshot lists are removed."""
        self.segments.mkdir(exist_ok=True)
        for seg in [p for p in build.iterdir() if p.is_dir()]:
            os.rename(seg, self.segments / seg.name)
        _fsync_dir(self.segments)
        _write_atomic(build / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        name = time.strftime("snap-%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:6]
        final = self.snapshots / name
        os.rename(build, final)
        _fsync_dir(self.snapshots)
        try:
            previous = self.current()
        except CorruptIndexError:
            previous = None  # a broken pointer is what this build repairs
        _write_atomic(self.root / "CURRENT", name)
        self._prune(keep={name, previous.name if previous else ""})
        return final

    def _prune(self, keep: set[str]) -> None:
        """Remove snapshots not in ``keep`` and segments none of the kept snapshots lists."""
        for path in self.snapshots.iterdir():
            if path.name not in keep and not path.name.startswith("."):
                shutil.rmtree(path, ignore_errors=True)
        used: set[str] = set()
        for name in keep - {""}:
            try:
                manifest = json.loads((self.snapshots / name / MANIFEST).read_text(encoding="utf-8"))
                used |= {s["name"] for s in manifest["segments"]}
            except (OSError, ValueError, KeyError, TypeError):
                continue
        for path in self.segments.iterdir() if self.segments.is_dir() else []:
            if path.name not in used:
                shutil.rmtree(path, ignore_errors=True)

    def load_manifest(self, expect: dict[str, str] | None = None) -> tuple[Path, dict]:
        """The live snapshot and its manifest, checked for shape and against ``expect``."""
        snap = self.current()
        if snap is None:
            raise IndexMissingError(f"no index at {self.root}; build one with: "
                                    + INDEX_COMMAND.format(root=self.root))
        try:
            manifest = json.loads((snap / MANIFEST).read_text(encoding="utf-8"))
            if not isinstance(manifest, dict):
                raise ValueError("not a manifest object")
        except (OSError, ValueError) as exc:
            raise CorruptIndexError(f"{snap / MANIFEST} is unreadable ({exc}); "
                                    + REBUILD_HINT.format(root=self.root)) from exc
        check_compatible(manifest, expect or {}, self.root)
        segments = manifest.get("segments")
        if not isinstance(segments, list) or not all(isinstance(x, dict) and isinstance(x.get("name"), str)
                                                     and isinstance(x.get("deleted", []), list) for x in segments):
            raise CorruptIndexError(f"{snap / MANIFEST} does not list its segments; "
                                    + REBUILD_HINT.format(root=self.root))
        return snap, manifest


@contextlib.contextmanager
def folder_lock(root: Path) -> Iterator[None]:
    """Hold the exclusive lock file of the index folder ``root`` (created if missing)."""
    if root.exists() and not root.is_dir():
        raise UsageError(f"the index path {root} is a file, not a folder; pass --index DIR "
                         "with a folder (it is created if missing)")
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def write_error(root: Path, exc: OSError) -> str:
    """The message for a change that could not be written under ``root`` (a full disk, no permission)."""
    why = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or type(exc).__name__)
    return (f"could not write the new index under {root} ({why}); the partial build was removed and the "
            "previous index still answers. Free some disk space there, or pass --index DIR on another "
            "disk, and run reportqa index again")


def check_compatible(manifest: dict, expect: dict[str, str], root: Path) -> None:
    """Refuse an index of another format, model or segmenter."""
    found = {"format_version": manifest.get("format_version"),
             "model_id": manifest.get("model", {}).get("id"),
             "segmenter": manifest.get("segmenter")}
    want = {"format_version": FORMAT_VERSION, **expect}
    for key, value in want.items():
        if found.get(key) != value:
            raise IndexMismatchError(
                f"the index at {root} was built with {key} {found.get(key)!r}, but this run "
                f"uses {value!r}; " + REBUILD_HINT.format(root=root)
                + " (add --model to choose the model it was built with instead)")


def base_manifest(model_id: str, dim: int, segmenter: str) -> dict[str, Any]:
    """The identity part of a manifest."""
    return {"format_version": FORMAT_VERSION, "package_version": __version__,
            "model": {"id": model_id, "dim": dim}, "segmenter": segmenter,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
