"""A Milvus-backed index opened for questions: the same lookups as :class:`~reportqa.index.corpus.CorpusIndex`,
answered by Milvus (passages, vectors, hybrid search) and the local SQLite file (reports, term counts)."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from ...types import Chunk, Passage, Sentence
from ..documents import LRU, CachedDocuments
from ..lexical import idf as bm25_idf
from ..lexical import vocabulary_mentions
from .local import LocalState, Version
from .schema import token_text

if TYPE_CHECKING:
    from ...segment import Segmenter

PASSAGE_FIELDS = ["doc_id", "ordinal", "start", "end", "sent_first", "sent_last", "text"]
CACHE = 4096  # passages and sentence vectors kept after a question
RRF_K = 60


class MilvusDocuments(CachedDocuments):
    """doc id → :class:`Document` of the live reports, read from the local file on demand."""

    def __init__(self, local: LocalState, live: dict[str, Version]) -> None:
        super().__init__(live, lambda d: local.document(d, live[d].gen))
        self._local, self._live = local, live

    def metas(self) -> list[dict]:
        """Metadata (with ``chars``) of every live report, without reading any text."""
        return [m for m in self._local.metas() if m["doc_id"] in self._live]


class MilvusChunks:
    """Passages by Milvus row id."""

    def __init__(self, index: MilvusIndex) -> None:
        self._index = index

    def __len__(self) -> int:
        return self._index.live_count

    def __getitem__(self, gid: int) -> Chunk:
        return self._index.chunk(gid)


class MilvusIndex:
    """The published state of a Milvus index, pinned when opened: a change published later is seen by
    the next :meth:`MilvusStore.open`."""

    def __init__(self, client: Any, local: LocalState, manifest: dict, live: dict[str, Version]) -> None:
        self.client, self.local, self.manifest, self.live = client, local, manifest, live
        self.passages_name, self.sentences_name = manifest["collections"]
        self.name = f"gen-{manifest['gen']}"
        self.records = live
        self.docs = MilvusDocuments(local, live)
        self.chunks = MilvusChunks(self)
        self.live_count = int(manifest.get("chunk_count", 0))
        self.sentence_count = int(manifest.get("sentence_count", 0))
        self._rows: LRU = LRU(CACHE)  # passage id → its fields
        self._vectors: LRU = LRU(CACHE * 4)  # sentence id → (start, end, vector)
        self._tokens: dict[int, set[str]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Nothing to release: the client and local file belong to the store."""

    def _is_live(self, row: dict) -> bool:
        v = self.live.get(row["doc_id"])
        return v is not None and row["id"] in v.passage_ids

    def hybrid(self, qvec: np.ndarray, tokens: list[str], candidates: int, keep: int) -> list[Passage]:
        """Dense and BM25 candidates (``candidates`` each) fused by reciprocal rank inside Milvus; the best
        ``keep`` live passages."""
        from pymilvus import AnnSearchRequest, RRFRanker

        reqs = [AnnSearchRequest(data=[np.asarray(qvec, np.float32).tolist()], anns_field="vector",
                                 param={"metric_type": "IP"}, limit=candidates)]
        words = token_text(tokens)
        if words:
            reqs.append(AnnSearchRequest(data=[words], anns_field="sparse", param={"metric_type": "BM25"},
                                         limit=candidates))
        hits = self.client.hybrid_search(self.passages_name, reqs, RRFRanker(RRF_K), limit=keep * 2,
                                         output_fields=PASSAGE_FIELDS)[0]
        rows = [{**h["entity"], "id": int(h["id"]), "score": float(h["distance"])} for h in hits]
        rows = [r for r in rows if self._is_live(r)][:keep]
        with self._lock:
            for r in rows:
                self._rows.put(r["id"], r)
        self._fetch_sentences([i for r in rows for i in range(r["sent_first"], r["sent_last"])])
        return [Passage(self._chunk(r), r["score"]) for r in rows]

    def _row(self, gid: int) -> dict:
        with self._lock:
            row = self._rows.hit(gid)
        if row is None:
            found = self.client.get(self.passages_name, ids=[int(gid)], output_fields=PASSAGE_FIELDS)
            if not found:
                raise IndexError(f"passage {gid} is not in the index")
            row = {**found[0], "id": int(gid)}
            with self._lock:
                self._rows.put(gid, row)
        return row

    def _chunk(self, row: dict) -> Chunk:
        text = row["text"]
        if len(text) != row["end"] - row["start"]:  # cut to Milvus's field limit: the report has it whole
            text = self.docs[row["doc_id"]].text[row["start"]:row["end"]]
        return Chunk(f"{row['doc_id']}#{row['ordinal']}", row["doc_id"], int(row["start"]), int(row["end"]),
                     text, row=int(row["id"]))

    def chunk(self, gid: int) -> Chunk:
        """The passage with row id ``gid``."""
        return self._chunk(self._row(gid))

    def _fetch_sentences(self, ids: list[int]) -> None:
        with self._lock:
            todo = [i for i in ids if i not in self._vectors]
        if not todo:
            return
        found = self.client.get(self.sentences_name, ids=todo, output_fields=["start", "end", "vector"])
        with self._lock:
            for r in found:
                self._vectors.put(int(r["id"]), (int(r["start"]), int(r["end"]),
                                                 np.asarray(r["vector"], dtype=np.float32)))

    def sentences_within(self, chunk: Chunk) -> list[tuple[int, Sentence]]:
        """(sentence id, sentence) for the sentences inside ``chunk``."""
        row = self._row(chunk.row)
        ids = list(range(row["sent_first"], row["sent_last"]))
        self._fetch_sentences(ids)
        text = self.docs[chunk.doc_id].text
        out = []
        with self._lock:
            got = [(i, self._vectors[i]) for i in ids if i in self._vectors]
        for i, (start, end, _) in got:
            out.append((i, Sentence(chunk.doc_id, start, end, text[start:end])))
        return out

    def sentence_vector(self, row: int) -> np.ndarray:
        """The vector of sentence ``row``."""
        self._fetch_sentences([row])
        with self._lock:
            return self._vectors[row][2]

    def sentence_tokens(self, row: int, segmenter: Segmenter, text: str) -> set[str]:
        """Segmenter tokens of sentence ``row`` (its ``text``), computed once."""
        if row not in self._tokens:
            self._tokens[row] = set(segmenter.tokens(text))
        return self._tokens[row]

    def idf(self, terms: list[str] | set[str]) -> dict[str, float]:
        """IDF over the live passages of each of ``terms`` the reports hold (others are left out)."""
        return {t: float(bm25_idf(d, self.live_count)) for t, d in self.local.df(list(terms)).items() if d > 0}

    def max_idf(self) -> float:
        """The weight of a term found in a single passage."""
        return float(bm25_idf(1, max(self.live_count, 1)))

    @cached_property
    def _vocabulary(self) -> str:
        return "\n" + "\n".join(self.local.vocabulary()) + "\n"

    def mentions(self, word: str, segmenter: Segmenter) -> bool:
        """Whether the reports use ``word`` (see :func:`~reportqa.index.lexical.vocabulary_mentions`)."""
        return vocabulary_mentions(self._vocabulary, word, segmenter)

    def doc_vectors(self, doc_id: str) -> dict[bytes, np.ndarray]:
        """Content key → vector of a live report's passages and sentences, for reuse when it changes."""
        v = self.live.get(doc_id)
        if v is None:
            return {}
        out = {}
        for name, ids in ((self.passages_name, v.passage_ids), (self.sentences_name, v.sentence_ids)):
            for r in self.client.get(name, ids=list(ids), output_fields=["key", "vector"]) if ids else []:
                out[bytes.fromhex(r["key"])] = np.asarray(r["vector"], dtype=np.float32)
        return out

    def verify(self) -> list[str]:
        """Problems found comparing what Milvus holds with what the local file records (empty: sound)."""
        problems = []
        for name, want in ((self.passages_name, self.live_count), (self.sentences_name, self.sentence_count)):
            have = self.client.query(name, filter="id >= 0", output_fields=["count(*)"])[0]["count(*)"]
            if have != want:
                problems.append(f"Milvus collection {name} holds {have} rows; the index records {want}")
        ends = {i: v.doc_id for v in self.live.values() if v.p_last > v.p_first for i in (v.p_first, v.p_last - 1)}
        ids = list(ends)
        for a in range(0, len(ids), 1000):
            found = {int(r["id"]) for r in self.client.get(self.passages_name, ids=ids[a:a + 1000],
                                                           output_fields=["id"])}
            problems += [f"Milvus lacks passages of {ends[i]}" for i in ids[a:a + 1000] if i not in found]
        return sorted(set(problems))
