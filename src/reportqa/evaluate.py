"""Evaluation over a question file in the format of shared/eval/dev.jsonl."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import UsageError
from .answer.verify import unsupported
from .textnorm import fold

Ask = Callable[[str], dict[str, Any]]  # question -> answer_dict


@dataclass
class EvalResult:
    """Aggregate figures and one line per failure."""

    figures: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def load_questions(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL question file, naming the line of any bad record."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            rec["question"]
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{path}:{n}: not a question record ({exc}); each line needs a "
                             "JSON object with a 'question' field") from exc
        out.append(rec)
    return out


def answer_ok(rec: dict[str, Any], ans: dict[str, Any]) -> bool:
    """Right answer: refuses when unanswerable, else contains the expected strings."""
    if rec.get("kind") == "unanswerable":
        return not ans["found"]
    text = fold(ans["answer"])
    anys, alls = rec.get("answer_any") or [], rec.get("answer_all") or []
    return bool(ans["found"]) and (not anys or any(fold(a) in text for a in anys)) \
        and all(fold(a) in text for a in alls)


def evidence_rank(rec: dict[str, Any], passages: list[dict[str, Any]]) -> int | None:
    """1-based rank of the first passage holding the gold evidence (from a gold doc)."""
    ev, docs = fold(rec.get("evidence", "")), set(rec.get("docs") or [])
    for n, p in enumerate(passages, 1):
        if ev and ev in fold(p["text"]) and (not docs or p["doc"] in docs):
            return n
    return None


def numbers_supported(ans: dict[str, Any]) -> bool:
    """Every number in a shown answer occurs in the passage its marker cites."""
    if not ans["found"]:
        return True
    return not unsupported(ans["answer"], {c["n"]: c["text"] for c in ans["citations"]}, names=False)


def evaluate(records: list[dict[str, Any]], ask: Ask) -> EvalResult:
    """Run every question and compute recall@1/@5, MRR, answer/citation/refusal accuracy."""
    res = EvalResult()
    answerable = [r for r in records if r.get("kind") != "unanswerable"]
    refusals = [r for r in records if r.get("kind") == "unanswerable"]
    sums = dict.fromkeys(["r1", "r5", "mrr", "ans", "cite", "refuse", "numbers", "shown"], 0.0)
    for rec in records:
        ans = ask(rec["question"])
        ok = answer_ok(rec, ans)
        sums["ans"] += ok
        if ans["found"]:
            sums["shown"] += 1
            sums["numbers"] += numbers_supported(ans)
        if rec in refusals:
            sums["refuse"] += ok
        else:
            rank = evidence_rank(rec, ans["passages"])
            cited = evidence_rank(rec, ans["citations"]) is not None
            sums["r1"] += rank == 1
            sums["r5"] += rank is not None and rank <= 5
            sums["mrr"] += 1 / rank if rank else 0
            sums["cite"] += cited
            if not rank or rank > 1 or not cited:
                res.failures.append(f"{rec.get('id')}: evidence rank {rank}, cited {cited}: {rec['question']}")
        if not ok:
            res.failures.append(f"{rec.get('id')}: wrong answer {ans['answer'][:80]!r} "
                                f"(want {rec.get('answer_any') or rec.get('answer_all') or 'refusal'})")
    na, nr = max(1, len(answerable)), max(1, len(refusals))
    res.figures = {"questions": len(records), "recall@1": sums["r1"] / na, "recall@5": sums["r5"] / na,
                   "mrr": sums["mrr"] / na, "answer_accuracy": sums["ans"] / max(1, len(records)),
                   "citation_accuracy": sums["cite"] / na, "refusal_accuracy": sums["refuse"] / nr,
                   "numbers_supported": sums["numbers"] / max(1, sums["shown"])}
    return res
