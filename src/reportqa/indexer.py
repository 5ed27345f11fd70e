"""Build or update the index from a corpus folder: only new or changed text is embedded."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import __version__
from .chunk import chunk_document, split_sentences
from .corpusindex import CorpusIndex, content_key
from .dense import FaissStore
from .embed import Embedder
from .errors import IngestError, ReportQAError
from .ingest import iter_corpus, link_problem, read_document
from .lexical import BM25Store
from .segment import Segmenter
from .store import SnapshotStore, base_manifest, sha256_file
from .textnorm import normalize
from .types import Chunk, Document, Sentence

Progress = Callable[[str, int, int], None]  # (stage, done, total)


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
    seconds: float = 0.0
    snapshot: str = ""


def chunk_embed_text(doc: Document, chunk: Chunk) -> str:
    """What the model sees for a chunk: the report title, then the normalised passage."""
    body = normalize(chunk.text)
    return f"{normalize(doc.title)}\n{body}" if doc.title and doc.title not in chunk.text else body


def build_index(corpus: Path, store: SnapshotStore, embedder: Embedder, segmenter: Segmenter,
                progress: Progress | None = None) -> IndexReport:
    """Scan ``corpus``, reuse what is unchanged, embed the rest, switch to the new snapshot."""
    t0 = time.time()
    if not corpus.is_dir():
        raise ReportQAError(f"corpus folder {corpus} does not exist; create it and put reports "
                            "(.txt .md .html .pdf .docx) in it, or pass --corpus DIR")
    with store.lock():
        previous = _previous(store, embedder, segmenter)
        report = IndexReport()
        docs = _collect(corpus, previous, report, progress)
        if previous is not None and previous.path and not _changed(report):
            report.documents, report.chunks = len(docs), len(previous.chunks)
            report.reused, report.snapshot = len(previous.chunk_keys), previous.path.name
            report.seconds = time.time() - t0
            return report
        index = _assemble(docs, previous, embedder, segmenter, report, progress)
        with store.building() as build:
            files = index.save(build)
            manifest = _manifest(index, embedder, segmenter, corpus, time.time() - t0)
            report.snapshot = store.commit(build, manifest, files).name
    report.documents, report.chunks, report.seconds = len(docs), len(index.chunks), time.time() - t0
    return report


def _changed(report: IndexReport) -> bool:
    return bool(report.added or report.updated or report.removed or report.kept_previous)


def _previous(store: SnapshotStore, embedder: Embedder, segmenter: Segmenter) -> CorpusIndex | None:
    """The live snapshot if it can be reused (same model and segmenter), else None."""
    try:
        return CorpusIndex.load(store, {"model_id": embedder.model_id, "segmenter": segmenter.segmenter_id})
    except ReportQAError:
        return None


def _collect(corpus: Path, previous: CorpusIndex | None, report: IndexReport,
             progress: Progress | None) -> dict[str, Document]:
    old = previous.docs if previous and previous.manifest.get("package_version") == __version__ else {}
    known = previous.docs if previous else {}
    paths = list(iter_corpus(corpus))
    docs: dict[str, Document] = {}
    for n, path in enumerate(paths, 1):
        doc_id = path.relative_to(corpus).as_posix()
        problem = link_problem(path, corpus)
        if problem:
            report.skipped.append((doc_id, problem))
        else:
            _read_one(path, doc_id, corpus, old, known, docs, report)
        if progress:
            progress("read", n, len(paths))
    report.removed = sorted(set(known) - set(docs) - set(report.kept_previous))
    return docs


def _read_one(path: Path, doc_id: str, corpus: Path, old: dict[str, Document], known: dict[str, Document],
              docs: dict[str, Document], report: IndexReport) -> None:
    """Reuse the unchanged report, read a new or changed one, or skip it keeping its previous version."""
    try:
        digest = sha256_file(path)
        if doc_id in old and old[doc_id].sha256 == digest:
            docs[doc_id] = old[doc_id]
            report.unchanged.append(doc_id)
        else:
            docs[doc_id] = read_document(path, corpus)
            (report.updated if doc_id in known else report.added).append(doc_id)
            if docs[doc_id].note:
                report.warnings.append((doc_id, docs[doc_id].note))
    except FileNotFoundError:
        pass  # deleted while the corpus was read: dropped like any removed report
    except (IngestError, OSError) as exc:
        reason = str(exc) if isinstance(exc, IngestError) else \
            f"cannot be read ({type(exc).__name__}: {exc.strerror}); check its permissions"
        report.skipped.append((doc_id, reason))
        if doc_id in known:
            docs[doc_id] = known[doc_id]
            report.kept_previous.append(doc_id)


def _assemble(docs: dict[str, Document], previous: CorpusIndex | None, embedder: Embedder,
              segmenter: Segmenter, report: IndexReport, progress: Progress | None) -> CorpusIndex:
    chunks: list[Chunk] = []
    sents: list[Sentence] = []
    for doc in docs.values():
        chunks += chunk_document(doc)
        sents += [Sentence(doc.doc_id, s.start, s.end, doc.text[s.start:s.end]) for s in split_sentences(doc.text)]
    ctexts = [chunk_embed_text(docs[c.doc_id], c) for c in chunks]
    stexts = [normalize(s.text) for s in sents]
    cache = previous.vector_cache() if previous else {}
    ckeys = [content_key(embedder.model_id, t) for t in ctexts]
    skeys = [content_key(embedder.model_id, t) for t in stexts]
    vecs = _embed_missing(ctexts + stexts, ckeys + skeys, cache, embedder, report, progress)
    cvec, svec = vecs[: len(chunks)], vecs[len(chunks):]
    ids = np.arange(len(chunks), dtype=np.int64)
    dense = FaissStore(embedder.dim)
    dense.build(ids, cvec)
    lexical = BM25Store()
    lexical.build(ids, [segmenter.tokens(t) for t in ctexts])
    return CorpusIndex({}, docs, chunks, ckeys, cvec, sents, skeys, svec, dense, lexical)


def _embed_missing(texts: list[str], keys: list[str], cache: dict[str, np.ndarray], embedder: Embedder,
                   report: IndexReport, progress: Progress | None) -> np.ndarray:
    """Vectors for ``texts``: from ``cache`` by content key, the rest from the model."""
    todo = {k: t for k, t in zip(keys, texts) if k not in cache}
    report.embedded, report.reused = len(todo), len(keys) - sum(k in todo for k in keys)
    if todo:
        cb = (lambda d, t: progress("embed", d, t)) if progress else None
        new = embedder.embed_passages(list(todo.values()), progress=cb)
        cache = dict(cache, **dict(zip(todo.keys(), new)))
    if not keys:
        return np.zeros((0, embedder.dim), np.float32)
    return np.stack([cache[k] for k in keys]).astype(np.float32)


def _manifest(index: CorpusIndex, embedder: Embedder, segmenter: Segmenter, corpus: Path,
              seconds: float) -> dict:
    files = {d.doc_id: {**d.meta(), "chunks": sum(c.doc_id == d.doc_id for c in index.chunks)}
             for d in index.docs.values()}
    fingerprint = content_key("corpus", "\n".join(f"{k}:{v['sha256']}" for k, v in sorted(files.items())))
    return {**base_manifest(embedder.model_id, embedder.dim, segmenter.segmenter_id),
            "corpus": {"path": str(corpus.resolve()), "fingerprint": fingerprint, "files": files},
            "chunk_count": len(index.chunks), "sentence_count": len(index.sentences),
            "embedded_by": {"backend": embedder.backend, "device": embedder.device},
            "build_seconds": round(seconds, 2)}
