"""Benchmark: indexing throughput vs raw model encode, and warm query latency.

Usage: python bench/benchmark.py [--corpus corpus] [--qa ../shared/eval/dev.jsonl] [--rounds 3]
Prints figures; it is not a test and asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from reportqa.evaluate import load_questions
from reportqa.indexer import chunk_embed_text
from reportqa.pipeline import Pipeline
from reportqa.textnorm import normalize


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bench_index(corpus: Path) -> Pipeline:
    """Index from scratch and compare with encoding the same texts directly."""
    pipe = Pipeline(Path(tempfile.mkdtemp()) / "index", corpus)
    pipe.warm_up()
    t0 = time.perf_counter()
    report = pipe.build()
    total = time.perf_counter() - t0
    index = pipe.index
    texts = [chunk_embed_text(index.docs[c.doc_id], c) for c in index.chunks]
    texts += [normalize(s.text) for s in index.sentences]
    model = pipe.embedder._model  # the same SentenceTransformer, already loaded
    t0 = time.perf_counter()
    model.encode(["passage: " + t for t in texts], batch_size=32, normalize_embeddings=True)
    raw = time.perf_counter() - t0
    print(f"reports {report.documents}, passages {report.chunks}, embedded texts {report.embedded}")
    print(f"index build (read+clean+chunk+embed+stores+snapshot): {total:.2f}s  "
          f"= {report.embedded / total:.1f} texts/s, {report.chunks / total:.1f} passages/s")
    print(f"raw sentence-transformers encode of the same {len(texts)} texts: {raw:.2f}s  "
          f"= {len(texts) / raw:.1f} texts/s  (overhead around the model: {100 * (total - raw) / total:.0f}%)")
    t0 = time.perf_counter()
    again = pipe.build()
    print(f"reindex with nothing changed: {time.perf_counter() - t0:.2f}s (embedded {again.embedded})")
    return pipe


def bench_queries(pipe: Pipeline, questions: list[str], rounds: int) -> None:
    """Warm latency of retrieve and of the whole ask."""
    pipe.ask(questions[0])  # warm
    for name, fn in (("retrieve", lambda q: pipe.retrieve(q, k=8)), ("ask", pipe.ask)):
        times = []
        for _ in range(rounds):
            for q in questions:
                t0 = time.perf_counter()
                fn(q)
                times.append(1000 * (time.perf_counter() - t0))
        print(f"{name:>8}: p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms "
              f"over {len(times)} queries")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, default=Path("corpus"))
    ap.add_argument("--qa", type=Path, default=Path("../shared/eval/dev.jsonl"))
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    pipe = bench_index(args.corpus)
    bench_queries(pipe, [r["question"] for r in load_questions(args.qa)], args.rounds)


if __name__ == "__main__":
    main()
