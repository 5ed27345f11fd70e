"""The live reports of an index as a mapping doc id → :class:`Document`, read on demand with the most
recently used few kept (shared by both stores; the UI answers questions on several threads)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..types import Document

DOC_CACHE = 64  # reports kept in memory after being read


class LRU(OrderedDict):
    """An ordered dict that forgets its least recently put or read entries beyond ``size``."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)

    def hit(self, key: Any) -> Any:
        """The value of ``key`` (marked as just used), or None."""
        if key in self:
            self.move_to_end(key)
            return self[key]
        return None


class CachedDocuments(Mapping[str, Document]):
    """doc id → report for the ids of ``live``; ``read`` fetches one (text included) when not cached."""

    def __init__(self, live: Mapping[str, Any], read: Callable[[str], Document]) -> None:
        self._live, self._read = live, read
        self._cache = LRU(DOC_CACHE)
        self._lock = threading.Lock()

    def __getitem__(self, doc_id: str) -> Document:
        with self._lock:
            doc = self._cache.hit(doc_id)
        if doc is None:
            if doc_id not in self._live:
                raise KeyError(doc_id)
            doc = self._read(doc_id)
            with self._lock:
                self._cache.put(doc_id, doc)
        return doc

    def __iter__(self) -> Iterator[str]:
        return iter(self._live)

    def __len__(self) -> int:
        return len(self._live)
