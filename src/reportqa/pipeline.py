"""The pipeline: the one place that knows the order retrieve → fuse → answer."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import numpy as np

from .answer import Answerer
from .answer.llm import answerer_from_settings
from .answer.compound import merge_all, split_coordinated, split_question
from .answer.followup import resolve_followup
from .errors import UsageError
from .embed import Embedder, ModelEmbedder
from .indexer import IndexReport, Progress, build_index
from .rerank import SentenceScorer
from .segment import Segmenter
from .serialize import answer_dict
from .index.engine import IndexReader, open_store
from .textnorm import normalize, printable
from .types import Answer, Passage
from .uploads import Rejected, Saved, Upload, save_uploads

CANDIDATES = 50  # per retriever, before fusion
MAX_QUESTION_CHARS = 500  # a question longer than this is refused with a message (jieba is linear in length)
RERANK = 20  # fused passages reordered by their best sentence


def default_index_dir() -> Path:
    """``$REPORTQA_INDEX`` or ``./index``."""
    return Path(os.environ.get("REPORTQA_INDEX", "index"))


def default_corpus_dir() -> Path:
    """``$REPORTQA_CORPUS`` or ``./corpus``."""
    return Path(os.environ.get("REPORTQA_CORPUS", "corpus"))


def check_question(question: str) -> None:
    """Refuse, with a message, a question that is empty, has no words, or is too long to be one."""
    text = printable(question).strip()
    if not text:
        raise UsageError("the question is empty; type a question about the reports")
    if not re.search(r"[\w\u3400-\u9fff]", text):
        raise UsageError("the question has no words; type a question about the reports, e.g. 「…有多少…?」")
    if len(text) > MAX_QUESTION_CHARS:
        raise UsageError(f"the question is {len(text)} characters long; ask in at most {MAX_QUESTION_CHARS} "
                         "characters (one or two questions at a time)")


class Pipeline:
    """Index a corpus and answer questions over it. Models load in :meth:`warm_up`."""

    def __init__(self, index_dir: Path | None = None, corpus_dir: Path | None = None,
                 model: str | None = None, embedder: Embedder | None = None,
                 answerer: Answerer | None = None, backend: str | None = None,
                 device: str | None = None, store: str | None = None, milvus_uri: str | None = None) -> None:
        self.store = open_store(index_dir or default_index_dir(), store, milvus_uri)
        self.corpus_dir = corpus_dir or default_corpus_dir()
        self.embedder = embedder or ModelEmbedder(model, backend=backend, device=device)
        self.segmenter = Segmenter()
        self.scorer = SentenceScorer(self.segmenter)
        self.answerer = answerer or answerer_from_settings(self.segmenter)
        self._index: IndexReader | None = None
        self._load_lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the models, the segmenter and the scorer's word table (not the index: see :meth:`load`)."""
        self.segmenter.warm_up()
        self.scorer.warm_up()
        self.embedder.warm_up()
        warm = getattr(self.answerer, "warm_up", None)
        if callable(warm):
            warm()

    @property
    def index(self) -> IndexReader:
        """The live index, loaded on first use (raises if missing, corrupt or mismatched)."""
        if self._index is None:
            self.load()
        assert self._index is not None
        return self._index

    def load(self) -> IndexReader:
        """(Re)load the live snapshot from disk."""
        with self._load_lock:
            expect = {"model_id": self.embedder.model_id, "segmenter": self.segmenter.segmenter_id}
            self._index = self.store.open(expect)
            return self._index

    def build(self, progress: Progress | None = None) -> IndexReport:
        """Index the corpus (incrementally) and switch to the new snapshot.

        The model is loaded only if something needs embedding.
        """
        self.segmenter.warm_up()
        report = build_index(self.corpus_dir, self.store, self.embedder, self.segmenter, progress)
        self.load()
        return report

    def add_reports(self, files: list[Upload], progress: Progress | None = None
                    ) -> tuple[list[Saved], list[Rejected], IndexReport | None]:
        """Copy new reports into the corpus (checked: name, size, content) and index them.

        The index is rebuilt only when at least one file is not already in the corpus.
        """
        saved, rejected = save_uploads(files, self.corpus_dir)
        report = self.build(progress) if any(s.status != "duplicate" for s in saved) else None
        return saved, rejected, report

    def _query_vector(self, question: str) -> np.ndarray:
        return self.embedder.embed_queries([normalize(question)])[0]

    def retrieve(self, question: str, k: int = 10, qvec: np.ndarray | None = None,
                 index: IndexReader | None = None) -> list[Passage]:
        """Hybrid retrieval: dense and BM25 candidates fused by reciprocal rank, reranked by sentence."""
        index = index or self.index
        check_question(question)
        qvec = self._query_vector(question) if qvec is None else qvec
        out = index.hybrid(qvec, self.segmenter.tokens(question), CANDIDATES, max(k, RERANK))
        return self.scorer.rerank(question, out, qvec, index)[:k]

    def ask(self, question: str, history: list[str] | None = None, k: int = 8) -> Answer:
        """Retrieve, fuse, answer. ``history``: earlier questions of the conversation, oldest first.

        A follow-up (「那肇庆呢?」, 「这些钱用在哪里?」) is first rewritten against the history.
        """
        return self._ask(self.index, question, history, k)

    def ask_json(self, question: str, history: list[str] | None = None, qid: str | None = None) -> dict:
        """:meth:`ask` as the documented JSON object, answered and described by one snapshot."""
        index = self.index  # pinned: a rebuild may switch snapshots meanwhile
        return answer_dict(self._ask(index, question, history, 8), index, qid)

    def _ask(self, index: IndexReader, question: str, history: list[str] | None, k: int) -> Answer:
        check_question(question)
        parts = split_question(question)
        if len(parts) > 1:  # 「A是多少?B又是多少?」: each part answered, later parts read against earlier ones
            answers = [self._ask(index, part, (history or []) + parts[:i], k) for i, part in enumerate(parts)]
            return merge_all(question, answers)
        resolved = resolve_followup(question, history or []) if history else question
        items = split_coordinated(resolved)  # 「A和B分别是多少」: one complete question per item
        if len(items) > 1:
            answer = merge_all(question, [self._answer(index, item, k) for item in items])
        else:
            answer = self._answer(index, resolved, k)
        answer.question, answer.resolved_question = question, resolved
        return answer

    def _answer(self, index: IndexReader, question: str, k: int) -> Answer:
        """Retrieve for one complete question and answer it."""
        qvec = self._query_vector(question)
        passages = self.retrieve(question, k=k, qvec=qvec, index=index)
        return self.answerer.answer(question, passages, qvec, index)

    def check(self) -> list[str]:
        """Verify every file of the live index against its checksum; the problems found (empty: sound)."""
        return self.index.verify()

    def status(self) -> dict:
        """What is indexed: counts, model, build time, and each report's metadata."""
        index = self.index
        m = index.manifest
        return {"reports": len(index.docs), "passages": index.live_count, "model": m["model"]["id"],
                "dimension": m["model"]["dim"], "segmenter": m["segmenter"], "built_at": m["created_at"],
                "build_seconds": m.get("build_seconds"), "index": str(self.store.root), "store": self.store.kind,
                "corpus": str(self.corpus_dir),
                "documents": index.docs.metas()}
