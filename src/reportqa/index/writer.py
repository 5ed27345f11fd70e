"""Changing the index: the verbs every engine provides (:class:`IndexWriter`), and the segment
implementation. A writer removes reports, adds new ones, and produces the next snapshot's manifest;
:meth:`SnapshotStore.commit` then switches it in. Nothing is visible to readers before that."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol


from .corpus import CorpusIndex
from .merge import merge_segments, plan_merge
from .segment import Segment, SegmentData


class IndexWriter(Protocol):
    """What the indexer asks of an index engine while it applies one change to the corpus."""

    def remove(self, doc_ids: Iterable[str]) -> None:
        """Drop these reports (removed, or about to be added again in a new version)."""

    def add(self, data: SegmentData) -> None:
        """Add reports: their text, passages, sentences, vectors and postings."""

    def finish(self, identity: dict) -> dict:
        """Tidy up (merge) and return the next snapshot's manifest, ``identity`` included."""


class SegmentWriter:
    """An :class:`IndexWriter` that writes segment folders into ``build`` and records deletions."""

    def __init__(self, build: Path, previous: CorpusIndex | None) -> None:
        self.build, self.previous, self.merged = build, previous, 0
        self.entries = [{"name": s["name"], "deleted": sorted(set(s.get("deleted", [])))}
                        for s in (previous.manifest["segments"] if previous else [])]
        self.opened = {e["name"]: seg for e, seg in zip(self.entries, previous.segments if previous else [])}

    def remove(self, doc_ids: Iterable[str]) -> None:
        """Record the reports as deleted from the segments that hold them."""
        for doc_id in doc_ids:
            loc = self.previous.where.get(doc_id) if self.previous else None
            if loc is not None:
                entry = self.entries[loc.segment]
                entry["deleted"] = sorted(set(entry["deleted"]) | {loc.record.ord})

    def add(self, data: SegmentData) -> None:
        """Write ``data`` as a new segment."""
        self.entries.append({"name": self._write(data), "deleted": []})

    def finish(self, identity: dict) -> dict:
        """Merge as :func:`plan_merge` says and return the manifest; closes the segments it opened."""
        try:
            self._merge()
            counts = [self._live(e) for e in self.entries]
            docs = sum(self.opened[e["name"]].meta["docs"] - len(e["deleted"]) for e in self.entries)
            return {**identity, "segments": self.entries, "doc_count": docs,
                    "chunk_count": sum(c[0] for c in counts), "sentence_count": sum(c[1] for c in counts)}
        finally:
            for name, seg in self.opened.items():
                if (self.build / name).exists():
                    seg.close()

    def _write(self, data: SegmentData) -> str:
        name = f"seg-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        data.write(self.build / name)
        self.opened[name] = Segment(self.build / name)
        return name

    def _live(self, entry: dict) -> tuple[int, int]:
        """(live passages, live sentences) of a segment."""
        passages, sentences = self.opened[entry["name"]].live_masks(entry["deleted"])
        return int(passages.sum()), int(sentences.sum())

    def _merge(self) -> None:
        """Drop emptied segments and merge until the plan says no more."""
        self.entries = [e for e in self.entries if self._live(e)[0] > 0]
        while group := plan_merge([(e["name"], self._live(e)[0], len(self.opened[e["name"]].passages))
                                   for e in self.entries]):
            chosen = [e for e in self.entries if e["name"] in group]
            name = self._write(merge_segments([(self.opened[e["name"]], set(e["deleted"])) for e in chosen]))
            self.entries = [e for e in self.entries if e["name"] not in group] + [{"name": name, "deleted": []}]
            self.merged += len(group)
            for gone in group:
                if (self.build / gone).exists():  # written by this change and merged already: never committed
                    self.opened.pop(gone).close()
                    shutil.rmtree(self.build / gone)
