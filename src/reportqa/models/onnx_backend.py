"""The int8 ONNX copy of a model, run with onnxruntime on the CPU."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError


class OnnxEncoder:
    """Tokenise, run the transformer, pool (mean or CLS) and L2-normalise."""

    name = "onnx-int8"
    batch_size = 8  # small batches: little padding, and a question waits for at most one

    def __init__(self, folder: Path, marker: dict[str, Any], threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 8)
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(folder / "model.onnx"), options,
                                                 providers=["CPUExecutionProvider"])
            self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own unrelated types
            raise ModelError(f"cannot load the ONNX model in {folder}: {exc}. Delete that folder to "
                             "have it made again, or use --backend torch.") from exc
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(int(marker["max_seq_length"]))
        self._pooling = marker["pooling"]
        self._pad = int(marker.get("pad_id", 0))
        self.dim = int(marker["dim"])

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised vectors for ``texts`` (one padded batch)."""
        encodings = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(texts), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        states = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        if self._pooling == "cls":
            pooled = states[:, 0]
        else:
            pooled = (states * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)
