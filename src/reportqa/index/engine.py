"""Which engine holds an index, behind one interface: :class:`IndexStore` (lock, open, write, publish)
and :class:`IndexReader` (the lookups the retriever and answerer use). ``faiss`` (the default) keeps
everything in the index folder; ``milvus`` keeps passages, vectors and BM25 in Milvus and the reports
and manifest in the folder. The pipeline, answerer, CLI and UI do not know which one runs."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ContextManager, Protocol

import numpy as np

from ..errors import IndexMissingError, UsageError
from ..types import Chunk, Document, Passage, Sentence
from .corpus import CorpusIndex
from .milvus.local import FILE as MILVUS_LOCAL
from .snapshot import SnapshotStore
from .writer import IndexWriter, SegmentWriter

if TYPE_CHECKING:
    from ..segment import Segmenter

STORES = ("faiss", "milvus")


class IndexReader(Protocol):
    """One published state of an index, as the retriever and answerer see it."""

    manifest: dict
    name: str  # of the published state (a snapshot, a generation)
    docs: Mapping[str, Document]
    records: Mapping[str, Any]  # doc id → its file identity (sha256, size, mtime_ns)
    live_count: int
    sentence_count: int

    def hybrid(self, qvec: np.ndarray, tokens: list[str], candidates: int, keep: int) -> list[Passage]: ...
    def chunk(self, gid: int) -> Chunk: ...
    def sentences_within(self, chunk: Chunk) -> list[tuple[int, Sentence]]: ...
    def sentence_vector(self, row: int) -> np.ndarray: ...
    def sentence_tokens(self, row: int, segmenter: Segmenter, text: str) -> set[str]: ...
    def idf(self, terms: list[str] | set[str]) -> dict[str, float]: ...
    def max_idf(self) -> float: ...
    def mentions(self, word: str, segmenter: Segmenter) -> bool: ...
    def doc_vectors(self, doc_id: str) -> dict[bytes, np.ndarray]: ...
    def verify(self) -> list[str]: ...
    def close(self) -> None: ...


class IndexStore(Protocol):
    """Where an index lives: one writer at a time, readers of the published state meanwhile."""

    root: Path
    kind: str

    def lock(self) -> ContextManager[None]: ...
    def open(self, expect: dict[str, str] | None = None) -> IndexReader: ...
    def writing(self, previous: Any) -> ContextManager[IndexWriter]: ...
    def publish(self, writer: Any, manifest: dict) -> dict: ...


class FolderStore(SnapshotStore):
    """The default engine: segments and snapshots in the index folder (exact or FAISS IVF search)."""

    kind = "faiss"

    def open(self, expect: dict[str, str] | None = None) -> CorpusIndex:
        """The live snapshot, checked against ``expect`` (model and segmenter)."""
        if self.current() is None and (self.root / MILVUS_LOCAL).exists():
            raise IndexMissingError(f"the index at {self.root} was built with --store milvus; pass --store "
                                    "milvus (or set REPORTQA_STORE=milvus) to use it")
        return CorpusIndex.load(self, expect)

    @contextlib.contextmanager
    def writing(self, previous: CorpusIndex | None) -> Iterator[SegmentWriter]:
        """A segment writer over a fresh build folder (removed if the change fails)."""
        with self.building() as build:
            yield SegmentWriter(build, previous)

    def publish(self, writer: SegmentWriter, manifest: dict) -> dict:
        """Switch to the snapshot ``writer`` built; the manifest with the snapshot's name."""
        return {**manifest, "snapshot": self.commit(writer.build, manifest).name}


def open_store(root: Path, kind: str | None = None, uri: str | None = None,
               token: str | None = None) -> IndexStore:
    """The store for ``root``: ``kind`` (or ``$REPORTQA_STORE``, default faiss); for Milvus, ``uri`` (or
    ``$REPORTQA_MILVUS_URI``, default ``root/milvus.db``, a Milvus Lite file) and ``token`` (or
    ``$REPORTQA_MILVUS_TOKEN``)."""
    kind = (kind or os.environ.get("REPORTQA_STORE") or "faiss").strip().lower()
    if kind not in STORES:
        raise UsageError(f"unknown store {kind!r}; use --store faiss (the index folder) or --store milvus")
    if kind == "faiss":
        return FolderStore(root)
    from .milvus.store import MilvusStore

    uri = uri or os.environ.get("REPORTQA_MILVUS_URI") or str(Path(root) / "milvus.db")
    return MilvusStore(root, uri, token or os.environ.get("REPORTQA_MILVUS_TOKEN"))
