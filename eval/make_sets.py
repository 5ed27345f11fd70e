"""Merge the question slices in eval/qa/ into eval/tune.jsonl and eval/holdout.jsonl, split by report.

A report goes to ``tune`` when the first two hex digits of the sha256 of its file name fall under
60% of the range; every question over a holdout report (any of its gold or near-miss reports) is a
holdout question. Rules are designed on tune only. Run: python eval/make_sets.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
TUNE_SHARE = 0.60


def is_tune(report: str) -> bool:
    """Deterministic report-level split."""
    return int(hashlib.sha256(report.encode()).hexdigest()[:2], 16) < TUNE_SHARE * 256


def reports_of(rec: dict) -> list[str]:
    near = rec.get("near") or {}
    return list(rec.get("docs") or []) + ([near["doc"]] if near.get("doc") else [])


def main() -> None:
    tune, holdout = [], []
    for path in sorted((HERE / "qa").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                docs = reports_of(rec)
                in_tune = all(is_tune(d) for d in docs) if docs else is_tune(rec["id"])
                (tune if in_tune else holdout).append(rec)
    for name, recs in (("tune", tune), ("holdout", holdout)):
        with open(HERE / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for rec in recs:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    reports = sorted(p.name for p in (HERE / "reports").iterdir())
    print(f"tune: {len(tune)} questions over {sum(map(is_tune, reports))} reports; "
          f"holdout: {len(holdout)} questions over {len(reports) - sum(map(is_tune, reports))} reports")


if __name__ == "__main__":
    main()
