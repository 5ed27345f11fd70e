"""The int8 ONNX encoder, device and backend settings, and questions overtaking a build."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

from reportqa.app.cli import main
from reportqa.embed import ModelEmbedder
from reportqa.errors import ModelError
from reportqa.indexer import chunk_embed_text
from reportqa.models.device import cuda_available, resolve_backend, resolve_device
from reportqa.models.gate import PriorityGate
from reportqa.models.onnx_export import MARKER, ensure_onnx_model
from reportqa.textnorm import normalize

from conftest import SHARED, make_tiny_model

needs_no_cuda = pytest.mark.skipif(cuda_available(), reason="this machine has a CUDA GPU")


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """ONNX copies of test models go to a temporary cache, not the user's."""
    monkeypatch.setenv("REPORTQA_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _corpus_texts(pipe) -> list[str]:
    index = pipe.index
    return ([chunk_embed_text(index.docs[c.doc_id], c) for c in index.chunks]
            + [normalize(s.text) for s in index.iter_sentences()])


@pytest.mark.model
def test_the_int8_copy_of_e5_agrees_with_torch_on_the_corpus(real_pipeline):
    texts = _corpus_texts(real_pipeline)
    questions = [json.loads(line)["question"] for line in (SHARED / "eval" / "dev.jsonl").open(encoding="utf-8")]
    assert len(texts) >= 200
    onnx, torch_ = ModelEmbedder(backend="onnx"), ModelEmbedder(backend="torch", device="cpu")
    cos = np.sum(onnx.embed_passages(texts) * torch_.embed_passages(texts), axis=1)
    qcos = np.sum(onnx.embed_queries(questions) * torch_.embed_queries(questions), axis=1)
    assert onnx.backend == "onnx-int8" and torch_.backend == "torch"
    assert cos.min() >= 0.99 and qcos.min() >= 0.99, (cos.min(), qcos.min())


@pytest.mark.model
@needs_no_cuda
def test_the_index_manifest_says_what_embedded_it(real_pipeline):
    assert real_pipeline.index.manifest["embedded_by"] == {"backend": "onnx-int8", "device": "cpu"}


def test_the_copy_is_made_once_and_again_when_the_model_changes(tmp_path, own_cache):
    model = make_tiny_model(tmp_path, pooling="cls")
    folder, marker = ensure_onnx_model(model)
    assert marker["pooling"] == "cls" and marker["min_cos"] >= 0.99
    made = (folder / MARKER).stat().st_mtime_ns
    assert ensure_onnx_model(model)[0] == folder and (folder / MARKER).stat().st_mtime_ns == made
    (model / "config.json").write_text((model / "config.json").read_text() + "\n")
    ensure_onnx_model(model)
    assert (folder / MARKER).stat().st_mtime_ns != made


def test_a_cls_pooling_model_gives_the_same_vectors_on_both_backends(tmp_path, own_cache):
    model = make_tiny_model(tmp_path, pooling="cls")
    texts = ["乡村振兴驻镇帮镇扶村", "全镇农业总产值3.2亿元", "一"]
    onnx = ModelEmbedder(str(model), backend="onnx").embed_passages(texts)
    torch_ = ModelEmbedder(str(model), backend="torch", device="cpu").embed_passages(texts)
    assert np.sum(onnx * torch_, axis=1).min() >= 0.99


def test_a_model_onnx_cannot_run_falls_back_to_torch_unless_onnx_was_asked(tmp_path, own_cache, capsys):
    model = make_tiny_model(tmp_path, dense=True)
    emb = ModelEmbedder(str(model))
    assert emb.embed_queries(["帮扶资金"]).shape == (1, 16) and emb.backend == "torch"
    assert "Dense" in capsys.readouterr().err
    with pytest.raises(ModelError, match="--backend torch"):
        ModelEmbedder(str(model), backend="onnx").warm_up()


@needs_no_cuda
def test_cuda_without_a_gpu_names_the_fix(tmp_path, capsys):
    with pytest.raises(ModelError, match="CUDA build of torch"):
        resolve_device("cuda")
    assert main(["index", "--device", "cuda", "--index", str(tmp_path / "i"), "--corpus", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--device cpu" in err and "Traceback" not in err


def test_settings_come_from_flags_then_environment(monkeypatch):
    monkeypatch.setenv("REPORTQA_BACKEND", "torch")
    assert resolve_backend(None, "cpu") == "torch"
    assert resolve_backend("onnx", "cpu") == "onnx"
    monkeypatch.setenv("REPORTQA_BACKEND", "tensorflow")
    with pytest.raises(ModelError, match="REPORTQA_BACKEND"):
        resolve_backend(None, "cpu")
    monkeypatch.delenv("REPORTQA_BACKEND")
    assert resolve_backend(None, "cpu") == "onnx" and resolve_backend(None, "cuda") == "torch"
    with pytest.raises(ModelError, match="--backend torch with --device cuda"):
        resolve_backend("onnx", "cuda")
    monkeypatch.setenv("REPORTQA_DEVICE", "cpu")
    assert resolve_device(None) == "cpu"


@pytest.mark.model
@pytest.mark.skipif(not cuda_available(), reason="no CUDA GPU on this machine")
def test_cuda_vectors_match_the_cpu():
    texts = ["全省有600个重点帮扶镇。", "工作队队长是谁?"]
    gpu = ModelEmbedder(device="cuda")
    cpu = ModelEmbedder(backend="torch", device="cpu")
    assert gpu.embed_passages(texts).shape == (2, 384) and gpu.device == "cuda" and gpu.batch_size >= 64
    assert np.sum(gpu.embed_passages(texts) * cpu.embed_passages(texts), axis=1).min() >= 0.999


def test_a_question_overtakes_the_rest_of_a_build():
    gate, log = PriorityGate(grace=0.05, max_wait=1.0), []
    started = threading.Event()

    def build():
        for i in range(6):
            with gate.hold(urgent=False):
                started.set()
                log.append(f"batch{i}")
                time.sleep(0.03)

    worker = threading.Thread(target=build)
    worker.start()
    started.wait()
    with gate.hold(urgent=True):
        log.append("question")
    worker.join()
    assert log.index("question") <= 2, log  # after the batch in progress, not after the build


def test_a_build_still_advances_under_a_stream_of_questions():
    gate, batches = PriorityGate(grace=0.05, max_wait=0.1), []
    stop = threading.Event()

    def questions():
        while not stop.is_set():
            with gate.hold(urgent=True):
                time.sleep(0.005)

    asker = threading.Thread(target=questions)
    asker.start()
    t0 = time.monotonic()
    for i in range(3):
        with gate.hold(urgent=False):
            batches.append(time.monotonic() - t0)
    stop.set()
    asker.join()
    assert len(batches) == 3 and batches[-1] < 2.0
