"""Applying one change to a Milvus index: new report versions are inserted under a new generation
(row ids ``generation << 32 | n``), invisible to readers until :meth:`MilvusStore.publish` switches
the local live map; the versions they replace are deleted from Milvus after that."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from ..segment import SegmentData
from .schema import TEXT_MAX, create_collections, fit_words, token_word

if TYPE_CHECKING:
    from .reader import MilvusIndex
    from .store import MilvusStore

BATCH = 512  # rows per insert call


class MilvusWriter:
    """An :class:`~reportqa.index.writer.IndexWriter` that inserts into Milvus and the local file."""

    def __init__(self, store: MilvusStore, previous: MilvusIndex | None) -> None:
        self.store, self.client, self.local = store, store.client(), store.local()
        published = self.local.manifest()
        self.base = int(published["gen"]) if published else 0
        self.gen = self.base + 1
        self.replace = previous is None  # nothing reusable: a full build into new collections
        self.collections = (tuple(previous.manifest["collections"]) if previous else
                            (f"{store.prefix}_g{self.gen}_passages", f"{store.prefix}_g{self.gen}_sentences"))
        self.added: dict[str, int] = {}
        self.removed: list[str] = []
        self.merged = 0
        self._next = [self.gen << 32, self.gen << 32]  # next passage id, next sentence id
        self._created = False

    def remove(self, doc_ids: Iterable[str]) -> None:
        """Drop these reports when the change is published."""
        self.removed += list(doc_ids)

    def add(self, data: SegmentData) -> None:
        """Insert the reports' passages (text, tokens, vectors) and sentences; store their text locally."""
        self._ensure(int(data.passage_vectors.shape[1]))
        pid0, sid0 = self._next
        tokens = _passage_tokens(data)
        terms = _doc_terms(data)
        prow = [_passage_row(data, i, pid0, sid0, tokens[i]) for i in range(len(data.passages))]
        srow = [{"id": sid0 + i, "start": int(s[1]), "end": int(s[2]), "key": bytes(data.sentence_keys[i]).hex(),
                 "vector": data.sentence_vectors[i].astype(np.float32)} for i, s in enumerate(data.sentences)]
        self._insert(self.collections[0], prow)
        self._insert(self.collections[1], srow)
        # rows are ordered by report: each report's rows are one range
        ords = np.arange(len(data.docs) + 1)
        pcut = pid0 + np.searchsorted(np.asarray(data.passages[:, 0]), ords)
        scut = sid0 + np.searchsorted(np.asarray(data.sentences[:, 0]), ords)
        self.local.add_versions(self.gen, [(doc, data.stats[i], (int(pcut[i]), int(pcut[i + 1]), int(scut[i]),
                                                                   int(scut[i + 1])), terms[i])
                                           for i, doc in enumerate(data.docs)])
        self.added.update(dict.fromkeys((d.doc_id for d in data.docs), self.gen))
        self._next = [pid0 + len(prow), sid0 + len(srow)]

    def finish(self, identity: dict) -> dict:
        """The manifest to publish (counts are added by the local file when it is published)."""
        self._ensure(int(identity["model"]["dim"]))
        return {**identity, "gen": self.gen, "collections": list(self.collections),
                "engine": {"store": "milvus", "uri": self.store.uri}}

    def abort(self) -> None:
        """Remove what this change inserted (best effort: a later change removes leftovers too)."""
        self.store.drop_after(self.base, self.collections, drop=self.replace)

    def _ensure(self, dim: int) -> None:
        if self.replace and not self._created:
            create_collections(self.client, self.collections, dim)
            self._created = True

    def _insert(self, name: str, rows: list[dict[str, Any]]) -> None:
        for a in range(0, len(rows), BATCH):
            self.client.insert(name, rows[a:a + BATCH])


def _passage_row(data: SegmentData, i: int, pid0: int, sid0: int, tokens: str) -> dict[str, Any]:
    doc_ord, ordinal, start, end = (int(x) for x in data.passages[i])
    first, last = (int(x) for x in data.passage_sents[i])
    doc = data.docs[doc_ord]
    text = doc.text[start:end]
    if len(text.encode("utf-8")) > TEXT_MAX:
        text = text[:TEXT_MAX // 4]  # the reader takes a cut passage from the report's text
    return {"id": pid0 + i, "doc_id": doc.doc_id, "title": doc.title[:300], "date": doc.date[:32],
            "ordinal": ordinal, "start": start, "end": end,
            "sent_first": sid0 + first, "sent_last": sid0 + last, "key": bytes(data.passage_keys[i]).hex(),
            "text": text, "tokens": tokens, "vector": np.asarray(data.passage_vectors[i], np.float32)}


def _passage_tokens(data: SegmentData) -> list[str]:
    """Each passage's tokens as Milvus words (each repeated as often as it occurs)."""
    post = data.postings
    words = [token_word(t) for t in post.vocab]
    m = sparse.csr_matrix((np.asarray(post.tf), np.asarray(post.rows), np.asarray(post.indptr)),
                          shape=(len(post.vocab), len(data.passages))).T.tocsr()
    out = []
    for i in range(len(data.passages)):
        a, b = m.indptr[i], m.indptr[i + 1]
        text = " ".join(" ".join([words[t]] * int(n)) for t, n in zip(m.indices[a:b], m.data[a:b]))
        out.append(fit_words(text))
    return out


def _doc_terms(data: SegmentData) -> list[Counter]:
    """Per report: term → how many of its passages contain it (for document frequencies)."""
    post = data.postings
    term = np.repeat(np.arange(len(post.vocab)), np.diff(np.asarray(post.indptr)))
    doc = np.asarray(data.passages[:, 0])[np.asarray(post.rows)]
    pairs, counts = np.unique(doc.astype(np.int64) * len(post.vocab) + term, return_counts=True)
    out = [Counter() for _ in data.docs]
    for pair, n in zip(pairs.tolist(), counts.tolist()):
        out[pair // len(post.vocab)][post.vocab[pair % len(post.vocab)]] = n
    return out
