"""The one word segmenter (jieba), used for both indexing and queries."""

from __future__ import annotations

import hashlib
import logging
import re
import threading

import jieba
import jieba.posseg

from .textnorm import normalize

SEGMENTER_VERSION = "jieba-search-v1"

# Function words and question words that carry no retrieval signal.
STOPWORDS = frozenset(
    """的 了 是 在 有 和 与 及 或 等 也 都 而 并 把 被 对 为 以 于 之 其 这 那 这些 那些 该 此
    个 中 上 下 里 来 去 到 将 已 已经 就 又 还 从 向 给 让 由 著 着 过 吗 呢 吧 啊 么
    什么 多少 几 哪 哪些 哪里 哪个 谁 何 何时 如何 怎么 怎样 为什么 是否 共 一共 总共
    请问 请 问 情况 方面""".split()
)

_TOKEN_OK = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)
_LOCK = threading.Lock()
_POS_LOCK = threading.Lock()


def pos_tags(text: str, hmm: bool = True) -> list[tuple[str, str]]:
    """(word, part-of-speech) pairs from jieba.posseg; ``hmm=False`` keeps to dictionary words.

    jieba's tagger is not thread-safe, so every caller goes through this lock.
    """
    with _POS_LOCK:
        return [(p.word, p.flag) for p in jieba.posseg.cut(text, HMM=hmm)]


class Segmenter:
    """Turns text into BM25 tokens: normalise, jieba search-mode cut, drop stopwords."""

    def __init__(self) -> None:
        self._tok: jieba.Tokenizer | None = None

    @property
    def segmenter_id(self) -> str:
        """Identity recorded in the index manifest; a change forces a rebuild."""
        h = hashlib.sha256(" ".join(sorted(STOPWORDS)).encode()).hexdigest()[:12]
        return f"{SEGMENTER_VERSION}/jieba-{jieba.__version__}/stop-{h}"

    def warm_up(self) -> None:
        """Load jieba's dictionary (about a second) once."""
        with _LOCK:
            if self._tok is None:
                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                self._tok = tok

    def words(self, text: str) -> list[str]:
        """Normalised words in order (search mode: long words also yield their parts)."""
        if self._tok is None:
            self.warm_up()
        assert self._tok is not None
        out = []
        for w in self._tok.cut_for_search(normalize(text).lower()):
            w = w.strip()
            if w and _TOKEN_OK.search(w):
                out.append(w)
        return out

    def cut(self, text: str) -> list[str]:
        """Normalised words, precise mode (no overlapping parts): for locating phrases."""
        if self._tok is None:
            self.warm_up()
        assert self._tok is not None
        return [w for w in self._tok.cut(normalize(text).lower()) if w.strip() and _TOKEN_OK.search(w)]

    def tokens(self, text: str) -> list[str]:
        """:meth:`words` without stopwords: what BM25 indexes and queries."""
        return [w for w in self.words(text) if w not in STOPWORDS]
