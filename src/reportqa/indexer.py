"""Build or update the index from a corpus folder. A change writes one segment holding the new and
changed reports (only new text is embedded) and records which reports left the older segments; small
segments are merged now and then. Nothing else is rewritten."""

from __future__ import annotations

import bisect
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from . import __version__
from .chunk import chunk_document, split_sentences
from .embed import Embedder
from .errors import IngestError, ReportQAError
from .index.corpus import content_key
from .index.digest import sha256_file
from .index.lexical import Postings
from .index.segment import SegmentData
from .index.engine import IndexReader, IndexStore
from .index.snapshot import base_manifest
from .index.writer import IndexWriter
from .ingest import iter_corpus, link_problem, read_document
from .segment import Segmenter
from .textnorm import normalize
from .types import Chunk, Document

Progress = Callable[[str, int, int], None]  # (stage, done, total)
BATCH_CHARS = 10_000_000  # report text per segment written by one build (about 55,000 passages)


@dataclass
class IndexReport:
    """What a build changed, for people to read."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (file, note): indexed all the same
    kept_previous: list[str] = field(default_factory=list)  # broken now, old version kept
    documents: int = 0
    chunks: int = 0
    embedded: int = 0  # texts actually sent to the model
    reused: int = 0  # vectors reused by content hash
    merged: int = 0  # segments merged into one
    model_seconds: float = 0.0  # loading the model and embedding
    seconds: float = 0.0
    snapshot: str = ""


@dataclass
class Changes:
    """The reports to (re)write and each one's file size and mtime when read."""

    docs: dict[str, Document] = field(default_factory=dict)
    stats: dict[str, tuple[int, int]] = field(default_factory=dict)


def chunk_embed_text(doc: Document, chunk: Chunk) -> str:
    """What the model sees for a chunk: the report title, then the normalised passage."""
    body = normalize(chunk.text)
    return f"{normalize(doc.title)}\n{body}" if doc.title and doc.title not in chunk.text else body


def build_index(corpus: Path, store: IndexStore, embedder: Embedder, segmenter: Segmenter,
                progress: Progress | None = None) -> IndexReport:
    """Scan ``corpus``, keep what is unchanged, write the changes, switch to the new snapshot."""
    t0 = time.time()
    if not corpus.is_dir():
        raise ReportQAError(f"corpus folder {corpus} does not exist; create it and put reports "
                            "(.txt .md .html .pdf .docx) in it, or pass --corpus DIR")
    with store.lock():
        previous = _previous(store, embedder, segmenter)
        try:
            report = IndexReport()
            changes = _collect(corpus, previous, report, progress)
            if previous is not None and previous.name and not _changed(report):
                report.documents, report.chunks = len(previous.docs), previous.live_count
                report.reused, report.snapshot = report.chunks, previous.name
                report.seconds = time.time() - t0
                return report
            with store.writing(previous) as writer:
                _apply(writer, changes, previous, embedder, segmenter, report, progress)
                manifest = writer.finish(_identity(changes, previous, embedder, segmenter))
                manifest.update(corpus={"path": str(corpus.resolve())}, build_seconds=round(time.time() - t0, 2))
                manifest = store.publish(writer, manifest)
                report.snapshot, report.merged = manifest["snapshot"], writer.merged
        finally:
            if previous is not None:
                previous.close()
    report.documents, report.chunks = manifest["doc_count"], manifest["chunk_count"]
    report.seconds = time.time() - t0
    return report


def _changed(report: IndexReport) -> bool:
    return bool(report.added or report.updated or report.removed or report.kept_previous)


def _previous(store: IndexStore, embedder: Embedder, segmenter: Segmenter) -> IndexReader | None:
    """The published index if it can be reused (same format, model and segmenter), else None."""
    try:
        return store.open({"model_id": embedder.model_id, "segmenter": segmenter.segmenter_id})
    except ReportQAError:
        return None


def _collect(corpus: Path, previous: IndexReader | None, report: IndexReport,
             progress: Progress | None) -> Changes:
    """Sort the corpus files into unchanged, added, updated, skipped; the rest of the index is removed."""
    reusable = previous is not None and previous.manifest.get("package_version") == __version__
    known = previous.records if previous else {}
    paths = list(iter_corpus(corpus))
    changes, seen = Changes(), set()
    for n, path in enumerate(paths, 1):
        doc_id = path.relative_to(corpus).as_posix()
        problem = link_problem(path, corpus)
        if problem:
            report.skipped.append((doc_id, problem))
        elif _read_one(path, doc_id, corpus, known if reusable else {}, doc_id in known, changes, report):
            seen.add(doc_id)
        if progress:
            progress("read", n, len(paths))
    report.removed = sorted(set(known) - seen - set(report.kept_previous) - set(changes.docs))
    return changes


def _read_one(path: Path, doc_id: str, corpus: Path, reusable: dict, known: bool, changes: Changes,
              report: IndexReport) -> bool:
    """Keep the unchanged report (same size and mtime, or same bytes), read a new or changed one, or skip
    it keeping its previous version. True when the report stays as it is."""
    try:
        st = os.stat(path)
        rec = reusable.get(doc_id)
        if rec and (rec.size, rec.mtime_ns) == (st.st_size, st.st_mtime_ns):
            report.unchanged.append(doc_id)
            return True
        if rec and rec.sha256 == sha256_file(path):
            report.unchanged.append(doc_id)
            return True
        doc = replace(read_document(path, corpus), doc_id=doc_id)  # a link is its own report, by its own name
        changes.docs[doc_id], changes.stats[doc_id] = doc, (st.st_size, st.st_mtime_ns)
        (report.updated if known else report.added).append(doc_id)
        if doc.note:
            report.warnings.append((doc_id, doc.note))
    except FileNotFoundError:
        pass  # deleted while the corpus was read: dropped like any removed report
    except (IngestError, OSError) as exc:
        reason = str(exc) if isinstance(exc, IngestError) else \
            f"cannot be read ({type(exc).__name__}: {exc.strerror}); check its permissions"
        report.skipped.append((doc_id, reason))
        if known:
            report.kept_previous.append(doc_id)
            return True
    return False


def _apply(writer: IndexWriter, changes: Changes, previous: IndexReader | None, embedder: Embedder,
           segmenter: Segmenter, report: IndexReport, progress: Progress | None) -> None:
    """Remove the removed and changed reports, then add the new and changed ones batch by batch."""
    writer.remove(report.updated + report.removed)
    for batch in _batches(changes):
        writer.add(_segment_data(batch, previous, embedder, segmenter, report, progress))


def _identity(changes: Changes, previous: IndexReader | None, embedder: Embedder, segmenter: Segmenter) -> dict:
    """Format, model, segmenter and what embedded it; taken from the previous manifest when nothing was
    embedded, so that removing a report does not load the model."""
    if previous is not None and not changes.docs:
        m = previous.manifest
        return {**base_manifest(m["model"]["id"], m["model"]["dim"], m["segmenter"]),
                "embedded_by": m.get("embedded_by")}
    return {**base_manifest(embedder.model_id, embedder.dim, segmenter.segmenter_id),
            "embedded_by": {"backend": embedder.backend, "device": embedder.device}}


def _batches(changes: Changes) -> list[Changes]:
    """The changed reports in batches of about ``BATCH_CHARS`` characters: one segment each, so that a
    build of many reports holds one batch in memory at a time."""
    out = [Changes()]
    size = 0
    for doc_id, doc in changes.docs.items():
        if size >= BATCH_CHARS:
            out.append(Changes())
            size = 0
        out[-1].docs[doc_id], out[-1].stats[doc_id] = doc, changes.stats[doc_id]
        size += len(doc.text)
    return [b for b in out if b.docs]


def _segment_data(changes: Changes, previous: IndexReader | None, embedder: Embedder, segmenter: Segmenter,
                  report: IndexReport, progress: Progress | None) -> SegmentData:
    """Chunk, tokenise and embed the changed reports (vectors of unchanged text are reused)."""
    docs = list(changes.docs.values())
    pas, psents, sents, ptexts, stexts, tokens = [], [], [], [], [], []
    for ord_, doc in enumerate(docs):
        spans = split_sentences(doc.text)
        starts, ends = [s.start for s in spans], [s.end for s in spans]
        base = len(sents)
        sents += [(ord_, s.start, s.end) for s in spans]
        stexts += [normalize(doc.text[s.start:s.end]) for s in spans]
        for j, c in enumerate(chunk_document(doc)):
            first = bisect.bisect_left(starts, c.start)
            last = max(first, bisect.bisect_right(ends, c.end))
            pas.append((ord_, j, c.start, c.end)), psents.append((base + first, base + last))
            ptexts.append(chunk_embed_text(doc, c))
            tokens.append(segmenter.tokens(ptexts[-1]))
        if progress:
            progress("split", ord_ + 1, len(docs))
    cache: dict[bytes, np.ndarray] = {}
    for doc_id in changes.docs:
        cache.update(previous.doc_vectors(doc_id) if previous else {})
    pkeys = [content_key(embedder.model_id, t) for t in ptexts]
    skeys = [content_key(embedder.model_id, t) for t in stexts]
    vecs = _embed_missing(ptexts + stexts, pkeys + skeys, cache, embedder, report, progress)
    as_keys = (lambda ks: np.frombuffer(b"".join(ks), np.uint8).reshape(-1, 16))
    ints = (lambda rows, w: np.array(rows, np.int32).reshape(-1, w))
    return SegmentData(docs, [changes.stats[d.doc_id] for d in docs], ints(pas, 4), ints(psents, 2),
                       ints(sents, 3), as_keys(pkeys), as_keys(skeys), vecs[:len(pas)], vecs[len(pas):],
                       Postings.from_tokens(tokens))


def _embed_missing(texts: list[str], keys: list[bytes], cache: dict[bytes, np.ndarray], embedder: Embedder,
                   report: IndexReport, progress: Progress | None) -> np.ndarray:
    """Vectors for ``texts``: from ``cache`` by content key, the rest from the model."""
    todo = {k: t for k, t in zip(keys, texts) if k not in cache}
    report.embedded += len(todo)
    report.reused += len(keys) - sum(k in todo for k in keys)
    if todo:
        cb = (lambda d, t: progress("embed", d, t)) if progress else None
        t0 = time.perf_counter()
        new = embedder.embed_passages(list(todo.values()), progress=cb)
        report.model_seconds += time.perf_counter() - t0
        cache = {**cache, **dict(zip(todo.keys(), new))}
    return np.stack([cache[k] for k in keys]).astype(np.float32)
