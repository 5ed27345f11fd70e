"""The one word segmenter (jieba), used for both indexing and queries."""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import os
import re
import statistics
import threading
from pathlib import Path

import jieba
import jieba.posseg

from .errors import UsageError
from .textnorm import normalize

SEGMENTER_VERSION = "jieba-search-v1"

# Function words and question words that carry no retrieval signal.
STOPWORDS = frozenset(
    """的 了 是 在 有 和 与 及 或 等 也 都 而 并 把 被 对 为 以 于 之 其 这 那 这些 那些 该 此
    个 中 上 下 里 来 去 到 将 已 已经 就 又 还 从 向 给 让 由 著 着 过 吗 呢 吧 啊 么
    什么 多少 几 哪 哪些 哪里 哪个 谁 何 何时 如何 怎么 怎样 为什么 是否 共 一共 总共
    请问 请 问 情况 方面""".split()
)

USER_DICT_ENV = "REPORTQA_USER_DICT"  # another programme's words, in jieba's user-dictionary form


@functools.lru_cache(maxsize=1)
def domain_words() -> tuple[tuple[str, str], ...]:
    """(word, part of speech) of the programme's vocabulary: ``data/programme.dict`` plus the file
    ``$REPORTQA_USER_DICT`` names. Kept whole by the segmenter and not mistaken for places."""
    from importlib import resources

    texts = [("programme.dict", resources.files("reportqa.data").joinpath("programme.dict").read_text("utf-8"))]
    extra = os.environ.get(USER_DICT_ENV)
    if extra:
        try:
            texts.append((extra, Path(extra).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"user dictionary {extra} (from ${USER_DICT_ENV}) is unreadable ({exc}); point "
                             f"{USER_DICT_ENV} at a UTF-8 file with one 'word [frequency] [part of speech]' per line") from exc
    out = []
    for _, text in texts:
        for line in text.splitlines():
            parts = line.split("#", 1)[0].split()
            if parts:
                tag = next((x for x in parts[1:] if not x.isdigit()), "n")
                out.append((parts[0], tag))
    return tuple(out)


_TOKEN_OK = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)
_LOCK = threading.Lock()
_POS_LOCK = threading.Lock()


def pos_tags(text: str, hmm: bool = True) -> list[tuple[str, str]]:
    """(word, part-of-speech) pairs from jieba.posseg; ``hmm=False`` keeps to dictionary words.

    jieba's tagger is not thread-safe, so every caller goes through this lock.
    """
    with _POS_LOCK:
        _domain_pos()
        return [(p.word, p.flag) for p in jieba.posseg.cut(text, HMM=hmm)]


def leading_words(text: str, tags: tuple[str, ...]) -> list[str]:
    """The words ``text`` opens with while their part of speech is one of ``tags`` (驻村队员来自 →
    ['驻村', '队员'] for nouns)."""
    out = []
    for word, flag in pos_tags(text):
        if flag not in tags:
            break
        out.append(word)
    return out


_DOMAIN_POS_DONE: list[bool] = []


def _domain_pos() -> None:
    """Teach jieba's shared tagger the domain words once (caller holds the lock)."""
    if not _DOMAIN_POS_DONE:
        jieba.setLogLevel(logging.WARNING)
        for word, tag in domain_words():
            jieba.add_word(word, tag=tag)
        _DOMAIN_POS_DONE.append(True)


@functools.lru_cache(maxsize=1)
def _shared_tokenizer() -> jieba.Tokenizer:
    """jieba's dictionary plus the domain words, loaded once per process for every Segmenter."""
    with _LOCK:
        jieba.setLogLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        tok.initialize()
        for word, _ in domain_words():
            tok.add_word(word)
        return tok


def word_frequency(word: str) -> int:
    """jieba's dictionary frequency of ``word`` (0 when it is not a dictionary word): how common it is."""
    return _shared_tokenizer().FREQ.get(word, 0) or 0


@functools.lru_cache(maxsize=1)
def _median_frequency() -> float:
    """The median frequency of jieba's dictionary words."""
    return float(statistics.median(f for f in _shared_tokenizer().FREQ.values() if f))


def general_rarity(word: str) -> float:
    """How rare ``word`` is in general Chinese, from 0 to 1: its IDF by jieba's dictionary frequencies
    over the median word's (大约 0.6, 蜜柚 1.0); 1 for a word the dictionary lacks."""
    tok, median = _shared_tokenizer(), _median_frequency()  # both loaded on the first call, "" included
    freq = tok.FREQ.get(word, 0)
    return min(1.0, math.log(tok.total / freq) / math.log(tok.total / median)) if freq else 1.0


def word_tag(word: str) -> str:
    """jieba's dictionary part of speech of ``word`` ('' when it is not a dictionary word)."""
    with _POS_LOCK:
        _domain_pos()
        return jieba.posseg.dt.word_tag_tab.get(word, "")


class Segmenter:
    """Turns text into BM25 tokens: normalise, jieba search-mode cut, drop stopwords."""

    def __init__(self) -> None:
        self._tok: jieba.Tokenizer | None = None

    @property
    def segmenter_id(self) -> str:
        """Identity recorded in the index manifest; a change forces a rebuild."""
        words = " ".join(sorted(STOPWORDS)) + "|" + " ".join(w for w, _ in domain_words())
        h = hashlib.sha256(words.encode()).hexdigest()[:12]
        return f"{SEGMENTER_VERSION}/jieba-{jieba.__version__}/stop-{h}"

    def warm_up(self) -> None:
        """Load jieba's dictionary (about a second) once."""
        if self._tok is None:
            self._tok = _shared_tokenizer()

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
