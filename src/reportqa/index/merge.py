"""Keeping the number of segments small: which segments to merge, and merging them.

Adding reports one at a time makes many small segments. Once ``FANOUT`` segments of about the same size
(within a factor ``FANOUT``) exist below ``MERGE_CAP`` passages, they are merged into one; a segment that
has lost more than half its passages to deletions is rewritten. Segments at or above the cap (a full
build's) are left alone, so a merge never costs more than rewriting ``MERGE_CAP`` passages.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .lexical import Postings
from .segment import Segment, SegmentData

FANOUT = 4
FLOOR = 500  # segments smaller than this count as this size when grouping
MERGE_CAP = 20000  # passages: a merge never produces more


def plan_merge(sizes: Sequence[tuple[str, int, int]]) -> list[str]:
    """Names of the segments to merge next (empty when none): ``sizes`` are (name, live, total) passages."""
    for name, live, total in sizes:
        if total < MERGE_CAP and live < total / 2:
            return [name]
    small = sorted((live, name) for name, live, _ in sizes if live < MERGE_CAP)
    for i in range(len(small) - FANOUT + 1):
        group = small[i:i + FANOUT]
        if group[-1][0] <= FANOUT * max(group[0][0], FLOOR) and sum(n for n, _ in group) <= MERGE_CAP:
            return [name for _, name in group]
    return []


def merge_segments(parts: Sequence[tuple[Segment, set[int]]]) -> SegmentData:
    """One segment's data holding the live reports of ``parts`` ((segment, deleted report ordinals));
    nothing is re-read, re-tokenised or re-embedded."""
    docs, stats, pas, psents, sents, post_parts = [], [], [], [], [], []
    keys: dict[str, list[np.ndarray]] = {n: [] for n in
                                         ("passage_keys", "sentence_keys", "passage_vectors", "sentence_vectors")}
    sent_offset = 0
    for seg, gone in parts:
        new_ord = np.full(seg.meta["docs"], -1, np.int64)
        for r in seg.records():
            if r.ord not in gone:
                new_ord[r.ord] = len(docs)
                docs.append(seg.document(r.ord))
                stats.append((r.size, r.mtime_ns))
        pkeep, skeep = seg.live_masks(gone)
        rank = np.concatenate([[0], np.cumsum(skeep)]) + sent_offset
        p = np.array(seg.passages[pkeep], dtype=np.int32)
        p[:, 0] = new_ord[p[:, 0]]
        s = np.array(seg.sentences[skeep], dtype=np.int32)
        s[:, 0] = new_ord[s[:, 0]]
        ps = np.asarray(seg.passage_sents[pkeep])
        pas.append(p), sents.append(s), psents.append(rank[ps].astype(np.int32))
        for name in keys:
            arr = getattr(seg, name)
            keys[name].append(np.asarray(arr[pkeep if name.startswith("passage") else skeep]))
        post_parts.append((seg.postings, pkeep))
        sent_offset += int(skeep.sum())
    return SegmentData(docs, stats, np.concatenate(pas), np.concatenate(psents), np.concatenate(sents),
                       *(np.concatenate(keys[n]) for n in keys), Postings.merge(post_parts))
