"""Evaluation over question files in the format of shared/eval/dev.jsonl.

The answer is judged on its *answer line*: the text before the quoted source sentence
(「原文：」). A figure that only the quote contains does not count.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import UsageError
from .answer.base import QUOTE_MARK
from .answer.verify import unsupported
from .textnorm import fold

Ask = Callable[[dict[str, Any]], dict[str, Any]]  # question record -> answer_dict


@dataclass
class EvalResult:
    """Aggregate figures and one line per failure (``WRONG``, ``REFUSED``, ``note``)."""

    figures: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def load_questions(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL question file, naming the line of any bad record."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"question file {path} not found; pass a JSONL file with --qa")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec["question"], str):
                raise TypeError("'question' is not a string")
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{path}:{n}: not a question record ({exc}); each line needs a "
                             "JSON object with a 'question' field") from exc
        out.append(rec)
    return out


def answer_line(text: str) -> str:
    """The part of an answer that is judged: before the quoted source, without citation markers."""
    return re.sub(r"\[\d+\]", "", text.split(QUOTE_MARK, 1)[0]).strip()


def answer_ok(rec: dict[str, Any], ans: dict[str, Any]) -> bool:
    """Right answer: refuses when unanswerable, else the answer line holds the expected strings."""
    if rec.get("kind") == "unanswerable":
        return not ans["found"]
    text = fold(answer_line(ans["answer"]))
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


_SUMS = ("r1", "r5", "mrr", "ans", "cite", "refuse", "false_refusal", "wrong", "numbers", "shown",
         "followup", "followup_ok", "near_miss")


def evaluate(records: list[dict[str, Any]], ask: Ask) -> EvalResult:
    """Run every question; figures per :data:`FIGURES`."""
    res = EvalResult()
    sums = dict.fromkeys(_SUMS, 0.0)
    for rec in records:
        ans = ask(rec)
        ok = answer_ok(rec, ans)
        _score_one(rec, ans, ok, sums, res.failures)
    answerable = sum(1 for r in records if r.get("kind") != "unanswerable")
    na, nr, n = max(1, answerable), max(1, len(records) - answerable), max(1, len(records))
    res.figures = {
        "questions": len(records), "strict_accuracy": sums["ans"] / n,
        "refusal_accuracy": sums["refuse"] / nr, "confidently_wrong": sums["wrong"] / n,
        "false_refusals": sums["false_refusal"] / na, "citation_accuracy": sums["cite"] / na,
        "recall@1": sums["r1"] / na, "recall@5": sums["r5"] / na, "mrr": sums["mrr"] / na,
        "numbers_supported": sums["numbers"] / max(1, sums["shown"]),
        "near_miss_shown": sums["near_miss"] / nr,
        "followups": sums["followup"], "followup_accuracy": sums["followup_ok"] / max(1, sums["followup"]),
    }
    return res


def _score_one(rec: dict[str, Any], ans: dict[str, Any], ok: bool, sums: dict[str, float],
               failures: list[str]) -> None:
    """Add one question's outcome to ``sums`` and describe what went wrong."""
    qid, q = rec.get("id"), rec["question"]
    sums["ans"] += ok
    if rec.get("history"):
        sums["followup"] += 1
        sums["followup_ok"] += ok
    if ans["found"]:
        sums["shown"] += 1
        sums["numbers"] += numbers_supported(ans)
    if rec.get("kind") == "unanswerable":
        sums["refuse"] += ok
        sums["wrong"] += not ok
        sums["near_miss"] += bool(ans.get("near_miss"))
        if not ok:
            failures.append(f"WRONG {qid}: answered {answer_line(ans['answer'])[:60]!r} "
                            f"(the reports do not say): {q}")
        return
    rank = evidence_rank(rec, ans["passages"])
    cited = evidence_rank(rec, ans["citations"]) is not None
    sums["r1"] += rank == 1
    sums["r5"] += rank is not None and rank <= 5
    sums["mrr"] += 1 / rank if rank else 0
    sums["cite"] += cited
    want = rec.get("answer_any") or rec.get("answer_all")
    if ok and rank != 1:
        failures.append(f"note {qid}: right answer; gold passage ranked {rank or '>k'}: {q}")
    elif not ok and ans["found"]:
        sums["wrong"] += 1
        failures.append(f"WRONG {qid}: {answer_line(ans['answer'])[:60]!r} (want {want}; "
                        f"gold passage rank {rank}): {q}")
    elif not ok:
        sums["false_refusal"] += 1
        failures.append(f"REFUSED {qid}: (want {want}; gold passage rank {rank}): {q}")


FIGURES = ("questions", "strict_accuracy", "refusal_accuracy", "confidently_wrong", "false_refusals",
           "citation_accuracy", "recall@1", "recall@5", "mrr", "numbers_supported", "near_miss_shown",
           "followups", "followup_accuracy")


def figures_table(results: dict[str, EvalResult]) -> str:
    """The figures of several sets side by side, one row per figure."""
    names = list(results)
    width = max([10] + [len(x) for x in names])
    lines = [f"{'':>18}  " + "  ".join(f"{x:>{width}}" for x in names)]
    for key in FIGURES:
        cells = []
        for x in names:
            v = results[x].figures.get(key, 0)
            cells.append(f"{v:>{width}.0f}" if key in ("questions", "followups") else f"{v:>{width}.3f}")
        lines.append(f"{key:>18}  " + "  ".join(cells))
    return "\n".join(lines)
