"""Any sentence-transformers folder can be chosen by a setting; the index remembers which."""

import shutil

import pytest

from reportqa.app.cli import main
from reportqa.errors import IndexMismatchError, ModelError
from reportqa.pipeline import Pipeline

from conftest import SEED_CORPUS, make_tiny_model


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A randomly initialised 2-layer BERT with a character vocabulary, saved as an ST folder."""
    return make_tiny_model(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    shutil.copy(SEED_CORPUS / "004_ef51806a2fa47196.txt", d)
    return d


def test_another_model_folder_builds_and_answers(tmp_path, corpus, tiny_model):
    pipe = Pipeline(tmp_path / "index", corpus, model=str(tiny_model))
    report = pipe.build()
    assert report.chunks > 10
    assert pipe.index.manifest["model"] == {"id": f"path:{tiny_model.resolve()}", "dim": 32}
    assert pipe.index.segments[0].passage_vectors.shape == (report.chunks, 32)
    assert pipe.retrieve("珠三角帮扶市共拨付了多少帮扶资金", k=3)


def test_model_chosen_by_env_and_flag_and_the_index_refuses_a_switch(tmp_path, corpus, tiny_model,
                                                                      monkeypatch, capsys):
    index = tmp_path / "index"
    monkeypatch.setenv("REPORTQA_MODEL", str(tiny_model))
    assert main(["index", "--index", str(index), "--corpus", str(corpus)]) == 0
    monkeypatch.delenv("REPORTQA_MODEL")
    assert main(["search", "--index", str(index), "--model", str(tiny_model), "帮扶资金"]) == 0
    capsys.readouterr()
    with pytest.raises(IndexMismatchError, match="tiny-st"):
        Pipeline(index, corpus).load()  # the default model did not build this index
    assert main(["search", "--index", str(index), "帮扶资金"]) == 2
    assert "reportqa index" in capsys.readouterr().err


def test_a_folder_that_is_no_model_is_refused_with_a_fix(tmp_path):
    with pytest.raises(ModelError, match="REPORTQA_MODEL"):
        Pipeline(tmp_path / "i", tmp_path, model=str(tmp_path))
