"""Which device and which backend run the embedding model: settings, environment, what the machine has."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import ModelError

DEVICES = ("auto", "cpu", "cuda")
BACKENDS = ("auto", "torch", "onnx")
DEVICE_ENV = "REPORTQA_DEVICE"
BACKEND_ENV = "REPORTQA_BACKEND"
CUDA_WHEEL_HINT = ("install a CUDA build of torch, e.g. pip install torch==2.13.0 --index-url "
                   "https://download.pytorch.org/whl/cu128, or use --device cpu")


def _setting(spec: str | None, env: str, allowed: tuple[str, ...], flag: str) -> str:
    value = (spec or os.environ.get(env) or "auto").strip().lower()
    if value not in allowed:
        raise ModelError(f"{flag} {value!r} is not one of {', '.join(allowed)} (set by {flag} or {env}).")
    return value


def cuda_available() -> bool:
    """True when torch sees a CUDA GPU; torch is not imported on machines without an NVIDIA driver."""
    if not (Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi")):
        return False
    import torch

    return bool(torch.cuda.is_available())


def resolve_device(spec: str | None) -> str:
    """``cpu`` or ``cuda`` for a ``--device`` setting (``None`` → env → ``auto``)."""
    device = _setting(spec, DEVICE_ENV, DEVICES, "--device")
    if device == "auto":
        return "cuda" if cuda_available() else "cpu"
    if device == "cuda" and not cuda_available():
        raise ModelError(f"--device cuda: torch sees no CUDA GPU on this machine; {CUDA_WHEEL_HINT}.")
    return device


def requested_backend(spec: str | None) -> str:
    """The ``--backend`` setting as given (``None`` → env → ``auto``), checked."""
    return _setting(spec, BACKEND_ENV, BACKENDS, "--backend")


def resolve_backend(spec: str | None, device: str) -> str:
    """``torch`` or ``onnx`` for a ``--backend`` setting on ``device`` (``auto``: ONNX on the CPU)."""
    backend = requested_backend(spec)
    if backend == "auto":
        return "torch" if device == "cuda" else "onnx"
    if backend == "onnx" and device == "cuda":
        raise ModelError("the ONNX backend runs on the CPU; use --backend torch with --device cuda.")
    return backend
