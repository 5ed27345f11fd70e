"""One immutable segment: the reports it holds (SQLite), their passages and sentences (offset arrays),
content keys, vectors (memory-mapped ``.npy``), postings, and an IVF index when it is large.

A segment is written once into a folder and never changed; deletions are recorded by the snapshot
that lists it. ``segment.json`` records each file's size and sha256: sizes are checked at load,
checksums by :meth:`Segment.verify` (``reportqa check``).
"""

from __future__ import annotations

import errno
import json
import sqlite3
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import CorruptIndexError
from ..types import Document
from .dense import ANN_FILE, SegmentVectors, ann_min, build_ann
from .digest import sha256_file
from .lexical import Postings

META = "segment.json"
DOCS = "docs.sqlite"
ARRAYS = ("passages", "passage_sents", "sentences", "passage_keys", "sentence_keys", "passage_vectors",
          "sentence_vectors")
DOC_FIELDS = ("doc_id", "title", "date", "source", "sha256", "encoding", "fmt", "note")


@dataclass
class SegmentData:
    """What a segment holds, before it is written. Row ``i`` of each passage array is passage ``i``.

    ``passages``: (doc ordinal, ordinal in its report, start, end); ``sentences``: (doc ordinal, start,
    end), ordered by report and offset; ``passage_sents``: each passage's [first, last) sentence rows.
    """

    docs: list[Document]
    stats: list[tuple[int, int]]  # (file size, mtime_ns) of each report when it was read
    passages: np.ndarray
    passage_sents: np.ndarray
    sentences: np.ndarray
    passage_keys: np.ndarray  # |S16 content keys
    sentence_keys: np.ndarray
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray  # written as float16: they only rerank a question's passages
    postings: Postings

    def write(self, directory: Path) -> None:
        """Write every file of the segment into the new folder ``directory`` and its ``segment.json``."""
        directory.mkdir(parents=True)
        _write_docs(directory / DOCS, self.docs, self.stats)
        files = [DOCS]
        for name in ARRAYS:
            arr = getattr(self, name)
            np.save(directory / f"{name}.npy", arr.astype(np.float16) if name == "sentence_vectors" else arr)
            files.append(f"{name}.npy")
        files += self.postings.save(directory)
        ann = {}
        if len(self.passages) >= ann_min():
            names, ann = build_ann(self.passage_vectors, self.sentence_vectors, directory)
            files += names
        meta = {"docs": len(self.docs), "passages": len(self.passages), "sentences": len(self.sentences),
                "dim": int(self.passage_vectors.shape[1]), "ann": ann,
                "files": {f: {"bytes": (directory / f).stat().st_size, "sha256": sha256_file(directory / f)}
                          for f in files}}
        (directory / META).write_text(json.dumps(meta, indent=1), encoding="utf-8")


def _write_docs(path: Path, docs: list[Document], stats: list[tuple[int, int]]) -> None:
    """The reports' metadata and text into a new SQLite file (SQLite's write errors raised as OSError)."""
    try:
        _insert_docs(sqlite3.connect(path), docs, stats)
    except sqlite3.OperationalError as exc:
        full = "full" in str(exc)
        raise OSError(errno.ENOSPC if full else errno.EIO, "the disk is full" if full else str(exc)) from exc


def _insert_docs(con: sqlite3.Connection, docs: list[Document], stats: list[tuple[int, int]]) -> None:
    try:
        con.execute("CREATE TABLE docs (ord INTEGER PRIMARY KEY, doc_id TEXT UNIQUE, title TEXT, date TEXT, "
                    "source TEXT, sha256 TEXT, encoding TEXT, fmt TEXT, note TEXT, size INTEGER, "
                    "mtime_ns INTEGER, chars INTEGER, text TEXT)")
        con.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        ((i, *(getattr(d, f) for f in DOC_FIELDS), size, mtime, len(d.text), d.text)
                         for i, (d, (size, mtime)) in enumerate(zip(docs, stats))))
        con.commit()
    finally:
        con.close()


@dataclass(frozen=True)
class DocRecord:
    """A report's identity in a segment, without its text."""

    ord: int
    doc_id: str
    sha256: str
    size: int
    mtime_ns: int


class Segment:
    """A written segment, opened read-only: arrays memory-mapped, report text read on demand."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory)
        self.name = self.path.name
        self.meta = _read_meta(self.path)
        _check_sizes(self.path, self.meta)
        try:
            arrays = {n: np.load(self.path / f"{n}.npy", mmap_mode="r") for n in ARRAYS}
            self.postings = Postings.load(self.path)
        except (OSError, ValueError) as exc:
            raise CorruptIndexError(f"segment {self.path} is unreadable ({exc})") from exc
        for name, arr in arrays.items():
            setattr(self, name, arr)
        if len(self.passages) != self.meta["passages"] or len(self.sentences) != self.meta["sentences"]:
            raise CorruptIndexError(f"segment {self.path} holds other counts than its {META} records")
        ann = self.path / ANN_FILE
        self.vectors = SegmentVectors(self.passage_vectors, ann if ann.exists() else None,
                                      int((self.meta.get("ann") or {}).get("nprobe", 1)))
        self.vectors.open()  # now: a later update may remove this segment's files while it still answers
        self._con = sqlite3.connect(f"file:{self.path / DOCS}?mode=ro&immutable=1", uri=True,
                                    check_same_thread=False)
        self._lock = threading.Lock()

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._con.execute(sql, args).fetchall()
            except sqlite3.DatabaseError as exc:
                raise CorruptIndexError(f"segment {self.path}: {DOCS} is unreadable ({exc})") from exc

    def records(self) -> list[DocRecord]:
        """Every report of the segment (deleted ones included), without text."""
        return [DocRecord(*r) for r in self._query("SELECT ord, doc_id, sha256, size, mtime_ns FROM docs")]

    def document(self, ord_: int) -> Document:
        """The report with ordinal ``ord_``, text included."""
        rows = self._query(f"SELECT {', '.join(DOC_FIELDS)}, text FROM docs WHERE ord = ?", (ord_,))
        if not rows:
            raise CorruptIndexError(f"segment {self.path} lacks report #{ord_}")
        return Document(**dict(zip(DOC_FIELDS, rows[0][:-1])), text=rows[0][-1])

    def metas(self) -> Iterator[tuple[int, dict]]:
        """(ordinal, metadata with ``chars``) of every report, without reading text."""
        cols = (*DOC_FIELDS, "chars")
        for row in self._query(f"SELECT ord, {', '.join(cols)} FROM docs"):
            yield row[0], dict(zip(cols, row[1:]))

    def live_masks(self, deleted: Collection[int]) -> tuple[np.ndarray, np.ndarray]:
        """Boolean masks of the passages and sentences whose report ordinal is not in ``deleted``."""
        if not deleted:
            return np.ones(len(self.passages), bool), np.ones(len(self.sentences), bool)
        gone = list(deleted)
        return (~np.isin(np.asarray(self.passages[:, 0]), gone), ~np.isin(np.asarray(self.sentences[:, 0]), gone))

    def verify(self) -> list[str]:
        """Problems found by checking every file's sha256 against ``segment.json`` (empty when sound)."""
        bad = []
        for name, want in self.meta["files"].items():
            path = self.path / name
            if not path.exists():
                bad.append(f"{path} is missing")
            elif sha256_file(path) != want["sha256"]:
                bad.append(f"{path} is corrupt (checksum mismatch)")
        return bad

    def close(self) -> None:
        """Close the report database."""
        self._con.close()


def _read_meta(path: Path) -> dict:
    try:
        meta = json.loads((path / META).read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or not isinstance(meta.get("files"), dict):
            raise ValueError("not a segment description")
        return meta
    except (OSError, ValueError) as exc:
        raise CorruptIndexError(f"segment {path}: {META} is unreadable ({exc})") from exc


def _check_sizes(path: Path, meta: dict) -> None:
    """The cheap check at load: every file is there with the size it was written with."""
    for name, want in meta["files"].items():
        try:
            size = (path / name).stat().st_size
        except OSError:
            raise CorruptIndexError(f"index file {path / name} is missing") from None
        if size != want.get("bytes"):
            raise CorruptIndexError(f"index file {path / name} is corrupt ({size} bytes, written with "
                                    f"{want.get('bytes')})")
