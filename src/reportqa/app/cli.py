"""Command line: ``reportqa index|search|ask|eval|check|serve``. Library errors become clean messages."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from ..errors import ReportQAError, UsageError
from ..index.engine import STORES
from ..index.snapshot import REBUILD_HINT
from ..indexer import IndexReport
from ..models.device import BACKENDS, DEVICES


def _progress_bars():
    """A progress callback drawing one tqdm bar per stage on stderr."""
    from tqdm import tqdm

    bars: dict[str, Any] = {}
    labels = {"read": "Reading reports", "split": "Splitting and tokenising", "embed": "Embedding passages"}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None or bar.total != total or done < bar.n:  # a build in batches starts each stage anew
            bar = bars[stage] = tqdm(total=total, desc=labels.get(stage, stage), unit="item",
                                     file=sys.stderr, leave=True)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return progress


def _pipeline(args: argparse.Namespace):
    from ..pipeline import Pipeline

    return Pipeline(args.index, args.corpus, model=args.model, backend=args.backend, device=args.device,
                    store=args.store, milvus_uri=args.milvus_uri)


def print_report(r: IndexReport, out: TextIO = sys.stdout) -> None:
    """Human summary of an index build."""
    print(f"Indexed {r.documents} reports, {r.chunks} passages in {r.seconds:.1f}s "
          f"(embedded {r.embedded} new texts, reused {r.reused}; model {r.model_seconds:.1f}s).", file=out)
    for label, names in (("added", r.added), ("updated", r.updated), ("removed", r.removed),
                         ("unchanged", r.unchanged), ("kept previous version", r.kept_previous)):
        if names:
            print(f"  {label} ({len(names)}): {', '.join(names)}", file=out)
    for name, reason in r.skipped:
        print(f"  skipped {name}: {reason}", file=out)
    for name, note in r.warnings:
        print(f"  indexed with a problem {name}: {note}", file=out)


def cmd_index(args: argparse.Namespace) -> int:
    report = _pipeline(args).build(progress=_progress_bars())
    print_report(report)
    for name, reason in report.skipped:
        print(f"warning: skipped {name}: {reason}", file=sys.stderr)
    for name, note in report.warnings:
        print(f"warning: {name}: {note}", file=sys.stderr)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    pipe = _pipeline(args)
    for n, p in enumerate(pipe.retrieve(args.question, k=args.k), 1):
        doc = pipe.index.docs[p.chunk.doc_id]
        print(f"[{n}] {p.chunk.doc_id}  {doc.title}  (score {p.score:.4f}, chars {p.chunk.start}-{p.chunk.end})")
        print("    " + p.chunk.text.replace("\n", " ")[:300])
    return 0


def _read_questions(source: str) -> list[dict[str, Any]]:
    """One record per non-blank line; a line that is not a question becomes ``{"line", "error"}``."""
    if source != "-" and not Path(source).is_file():
        raise UsageError(f"question file {source} not found; pass a file with one question per line, "
                         "or - to read standard input")
    stream = sys.stdin if source == "-" else open(source, encoding="utf-8", errors="replace")
    out: list[dict[str, Any]] = []
    with stream:
        for n, line in enumerate(stream, 1):
            line = line.strip()
            if line:
                out.append(_question_record(line, n))
    return out


def _question_record(line: str, n: int) -> dict[str, Any]:
    if not line.startswith("{"):
        return {"question": line, "line": n}
    try:
        rec = json.loads(line)
    except ValueError as exc:
        rec = {"error": f"bad JSON ({exc})"}
    if not isinstance(rec, dict):
        rec = {"error": "a JSON line must be an object"}
    if "error" not in rec and not isinstance(rec.get("question"), str):
        rec = {"id": rec.get("id"), "error": "no 'question' string"}
    if "error" in rec:
        rec["error"] += ('; use a plain question or {"question": "...", "id": "...", '
                         '"history": ["earlier question"]}')
    return {**rec, "line": n}


def _ask_batch(pipe: Any, source: str) -> int:
    """Answer each line as JSON; a bad line gets an error object and the batch goes on (exit 1)."""
    failed = 0
    for rec in _read_questions(source):
        out = {k: rec[k] for k in ("id", "line", "error") if k in rec}
        if "error" not in rec:
            try:
                out = pipe.ask_json(rec["question"], rec.get("history") or None, rec.get("id"))
            except UsageError as exc:  # this question is unusable; the next may be fine
                out["error"] = str(exc)
        failed += "error" in out
        print(json.dumps(out, ensure_ascii=False), flush=True)
    if failed:
        print(f"reportqa: {failed} line(s) of {source} could not be answered; see their \"error\"",
              file=sys.stderr)
    return 1 if failed else 0


def cmd_ask(args: argparse.Namespace) -> int:
    pipe = _pipeline(args)
    if args.jsonl:
        return _ask_batch(pipe, args.jsonl)
    if not args.question:
        raise UsageError("ask needs a QUESTION, or --jsonl FILE (use - for standard input)")
    if args.json:
        print(json.dumps(pipe.ask_json(args.question), ensure_ascii=False, indent=1))
        return 0
    ans = pipe.ask(args.question)
    print(ans.text)
    cites = list(ans.citations)
    if ans.near_miss is not None:
        print(ans.near_miss.text)
        cites.append(ans.near_miss.citation)
    for c in cites:
        doc = pipe.index.docs[c.chunk.doc_id]
        print(f"  [{c.n}] {c.chunk.doc_id} {doc.title} (chars {c.start}-{c.end}): {c.quote}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from ..evaluate import evaluate, figures_table, load_questions

    sets = {Path(f).stem: load_questions(Path(f)) for f in args.qa}
    pipe = _pipeline(args)
    if args.corpus is not None:  # an explicit corpus is brought up to date first (no-op when unchanged)
        report = pipe.build(progress=_progress_bars())
        print_report(report, out=sys.stderr)

    def ask(rec: dict[str, Any]) -> dict[str, Any]:
        return pipe.ask_json(rec["question"], rec.get("history") or None, rec.get("id"))

    results = {name: evaluate(records, ask) for name, records in sets.items()}
    if args.json:
        print(json.dumps({name: {"figures": r.figures, "failures": r.failures} for name, r in results.items()},
                         ensure_ascii=False))
        return 0
    for name, r in results.items():
        for line in r.failures:
            print(f"[{name}] {line}")
    print(figures_table(results))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Verify every index file against its checksum; exit 1 when something is corrupt."""
    pipe = _pipeline(args)
    problems = pipe.check()
    status = pipe.status()
    for line in problems:
        print(f"reportqa: corrupt: {line}", file=sys.stderr)
    if problems:
        print(f"reportqa: error: the index at {pipe.store.root} is corrupt; "
              + REBUILD_HINT.format(root=pipe.store.root), file=sys.stderr)
        return 1
    segments = getattr(pipe.index, "segments", None)
    detail = (f"in {len(segments)} segment{'s' * (len(segments) != 1)}, every file matches its checksum"
              if segments is not None else f"in Milvus at {pipe.store.uri}, as the index records")
    print(f"Index {pipe.store.root} is sound: {status['reports']} reports, {status['passages']} passages "
          f"{detail}.")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .ui import serve

    pipe = _pipeline(args)
    if not args.no_reindex:
        print_report(pipe.build(progress=_progress_bars()))
    serve(pipe, host=args.host, port=args.port)
    return 0


def _positive(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


DESCRIPTION = ("Ask questions about Chinese reports and get answers that cite the exact sentence, "
               "or a plain statement that the reports do not say.")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    p = argparse.ArgumentParser(prog="reportqa", description=DESCRIPTION)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", type=Path, default=None, help="index directory (default ./index)")
    common.add_argument("--corpus", type=Path, default=None, help="corpus directory (default ./corpus)")
    common.add_argument("--model", default=None,
                        help="sentence-transformers model folder (default: bundled multilingual-e5-small; "
                             "env REPORTQA_MODEL)")
    common.add_argument("--device", choices=DEVICES, default=None,
                        help="where the model runs: auto (a CUDA GPU when torch sees one), cpu or cuda "
                             "(env REPORTQA_DEVICE; default auto)")
    common.add_argument("--backend", choices=BACKENDS, default=None,
                        help="how the model runs: auto (int8 ONNX on the CPU, torch on a GPU), onnx or "
                             "torch (env REPORTQA_BACKEND; default auto)")
    common.add_argument("--store", choices=STORES, default=None,
                        help="where the index lives: faiss (the index folder; default) or milvus "
                             "(env REPORTQA_STORE)")
    common.add_argument("--milvus-uri", default=None, metavar="URI",
                        help="with --store milvus: a Milvus Lite file (default INDEX/milvus.db) or a server "
                             "such as http://localhost:19530 (env REPORTQA_MILVUS_URI; token in "
                             "REPORTQA_MILVUS_TOKEN)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("index", parents=[common], help="build or update the index")
    s.set_defaults(func=cmd_index)
    s = sub.add_parser("search", parents=[common], help="show ranked passages")
    s.add_argument("-k", type=_positive, default=5, help="how many passages to show (default 5)")
    s.add_argument("question")
    s.set_defaults(func=cmd_search)
    s = sub.add_parser("ask", parents=[common], help="answer a question with citations")
    s.add_argument("question", nargs="?")
    s.add_argument("--json", action="store_true", help="print the answer as JSON")
    s.add_argument("--jsonl", metavar="FILE", help="answer one question per line (FILE or -)")
    s.set_defaults(func=cmd_ask)
    s = sub.add_parser("eval", parents=[common], help="measure retrieval and answers on a question file")
    s.add_argument("--qa", type=Path, nargs="+", required=True, metavar="FILE",
                   help="question files (JSONL as shared/eval/dev.jsonl); each is scored as its own set")
    s.add_argument("--json", action="store_true", help="print figures and failures per set as JSON")
    s.set_defaults(func=cmd_eval)
    s = sub.add_parser("check", parents=[common], help="verify every index file against its checksum")
    s.set_defaults(func=cmd_check)
    s = sub.add_parser("serve", parents=[common], help="serve the chat UI (open the printed address in a browser)")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; "
                   "0.0.0.0 opens it to the network)")
    s.add_argument("--port", type=int, default=7860)
    s.add_argument("--no-reindex", action="store_true",
                   help="serve the existing index without first bringing it up to date with the corpus")
    s.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``reportqa`` command."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ReportQAError as exc:
        print(f"reportqa: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("reportqa: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
