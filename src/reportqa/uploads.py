"""Save uploaded reports into the corpus folder: safe names, type and size checks, no overwrites."""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Union

from .errors import IngestError
from .ingest import SUPPORTED_SUFFIXES, decode_bytes

MAX_BYTES = 20 * 1024 * 1024
MAX_STEM_CHARS = 80  # CJK takes 3 bytes in UTF-8; file systems allow 255 bytes per name
_RESERVED = re.compile(r'[<>:"|?*]')
_BINARY_MAGIC = {b"%PDF-": "PDF", b"PK\x03\x04": "ZIP/Office", b"\x7fELF": "ELF 程序", b"MZ": "Windows 程序",
                 b"\x89PNG": "PNG 图片", b"\xff\xd8\xff": "JPEG 图片", b"GIF8": "GIF 图片",
                 b"\xd0\xcf\x11\xe0": "旧版 Office (.doc/.xls)"}
_HTML_TAG = re.compile(r"<\s*(!doctype|html|head|body|p|div|article|h[1-6]|span|table|br|meta)\b", re.I)

Upload = Union[str, Path, tuple[str, Union[str, Path]]]  # a path, or (name as uploaded, path)


@dataclass
class Saved:
    """An accepted upload: ``name`` is its file name in the corpus."""

    original: str
    name: str
    status: str  # "added" | "renamed" | "duplicate"
    message: str


@dataclass
class Rejected:
    """An upload that was not saved, and why."""

    original: str
    reason: str


def safe_name(name: str) -> str:
    """A plain file name: basename only, no control/format characters, no leading dots; CJK kept."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = re.sub(r"\s+", " ", _RESERVED.sub("_", base)).strip(" .")
    stem, suffix = os.path.splitext(base)
    stem = stem.strip(" .")[:MAX_STEM_CHARS].strip(" .") or "report"
    return stem + suffix.lower()


def check_name(name: str) -> str | None:
    """Why a file called ``name`` cannot be a report (unsupported suffix), or None."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return f"不支持的文件类型 {suffix or '（无扩展名）'}；支持 {' '.join(SUPPORTED_SUFFIXES)}"
    return None


def check_content(data: bytes, name: str) -> str | None:
    """Why ``data`` is not a report of the type its suffix says (content sniffing), or None."""
    suffix = Path(name).suffix.lower()
    if not data.strip():
        return "文件是空的"
    if suffix == ".pdf":
        return None if b"%PDF-" in data[:1024] else "扩展名是 .pdf，但内容不是 PDF（没有 %PDF- 文件头）"
    if suffix == ".docx":
        return _check_docx(data)
    return _check_text(data, name, suffix)


def _check_docx(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if "word/document.xml" in z.namelist():
                return None
    except zipfile.BadZipFile:
        pass
    return "扩展名是 .docx，但内容不是 Word 文档（不是包含 word/document.xml 的 ZIP 包）"


def _check_text(data: bytes, name: str, suffix: str) -> str | None:
    for magic, kind in _BINARY_MAGIC.items():
        if data.startswith(magic):
            return f"扩展名是 {suffix}，但内容是 {kind}，不是文本；请改用正确的扩展名或导出为文本"
    try:
        text, _ = decode_bytes(data, name)
    except IngestError as exc:
        return f"无法作为文本读取：{exc}"
    if suffix in (".html", ".htm") and not _HTML_TAG.search(text[:65536]):
        return f"扩展名是 {suffix}，但内容里没有 HTML 标签；如果是纯文本，请改为 .txt"
    return None


def _name_and_path(item: Upload) -> tuple[str, Union[str, Path]]:
    """The name a file was uploaded under and where the server holds it."""
    return item if isinstance(item, tuple) else (os.path.basename(str(item)), item)


def save_uploads(paths: Iterable[Upload], corpus_dir: Path,
                 max_bytes: int = MAX_BYTES) -> tuple[list[Saved], list[Rejected]]:
    """Copy uploads into ``corpus_dir`` (flat). Same name and content → "already present";
    same name, other content → saved under a numbered name. Nothing is ever overwritten."""
    corpus_dir = Path(corpus_dir)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    saved: list[Saved] = []
    rejected: list[Rejected] = []
    for item in paths:
        original, path = _name_and_path(item)
        name = safe_name(original)
        data, reason = _load(Path(path), name, max_bytes)
        if reason:
            rejected.append(Rejected(original, reason))
        else:
            saved.append(_place(data, original, name, corpus_dir))
    return saved, rejected


def discard_uploads(paths: Iterable[Upload], upload_dir: Path) -> None:
    """Delete the temporary copies of uploads under ``upload_dir`` (the web server's upload folder)
    once they are saved or rejected, and their now-empty folders; paths elsewhere are left alone."""
    root = Path(upload_dir).resolve()
    for item in paths:
        path = Path(_name_and_path(item)[1]).resolve()
        if path.is_relative_to(root) and path != root:
            path.unlink(missing_ok=True)
            if path.parent != root and not any(path.parent.iterdir()):
                path.parent.rmdir()


def _load(path: Path, name: str, max_bytes: int) -> tuple[bytes, str | None]:
    """The upload's bytes and the reason to reject it (type, size, content), if any."""
    reason = check_name(name)
    if reason:
        return b"", reason
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return b"", f"文件过大（{math.ceil(size / 2**20 * 10) / 10:.1f} MB），上限 {max_bytes / 2**20:g} MB"
        data = path.read_bytes()
    except OSError as exc:
        return b"", f"无法读取上传的文件（{exc.strerror or exc}）"
    return data, check_content(data, name)


def _same_content(data: bytes, corpus_dir: Path) -> str | None:
    """The corpus file (relative name) whose bytes equal ``data``, if any."""
    digest = hashlib.sha256(data).digest()
    for path in corpus_dir.rglob("*"):
        if path.is_file() and not path.name.startswith(".") and path.stat().st_size == len(data):
            if hashlib.sha256(path.read_bytes()).digest() == digest:
                return path.relative_to(corpus_dir).as_posix()
    return None


def _place(data: bytes, original: str, name: str, corpus_dir: Path) -> Saved:
    """Write ``data`` under ``name`` (or ``stem (2).ext`` …) without overwriting anything."""
    existing = _same_content(data, corpus_dir)
    if existing:
        return Saved(original, existing, "duplicate", f"内容相同的报告已在语料库中（{existing}），未重复保存")
    stem, suffix = os.path.splitext(name)
    tmp = corpus_dir / f".upload-{uuid.uuid4().hex}.part"
    tmp.write_bytes(data)
    try:
        for n in range(1, 10_000):
            candidate = name if n == 1 else f"{stem} ({n}){suffix}"
            target = corpus_dir / candidate
            if Path(candidate).name != candidate:  # safe_name makes this unreachable; never leave the corpus
                raise IngestError(f"unsafe upload name {candidate!r}")
            if _link_new(tmp, target):
                if n == 1:
                    return Saved(original, candidate, "added", f"已保存为 {candidate}")
                return Saved(original, candidate, "renamed",
                             f"语料库里已有内容不同的同名报告 {name}，新文件另存为 {candidate}")
    finally:
        tmp.unlink(missing_ok=True)
    raise IngestError(f"{name}: too many reports with this name; rename the file and upload again")


def _link_new(tmp: Path, target: Path) -> bool:
    """Create ``target`` with ``tmp``'s bytes only if it does not exist (atomic where links work)."""
    try:
        os.link(tmp, target)
        return True
    except FileExistsError:
        return False
    except OSError:  # file systems without hard links
        try:
            with open(target, "xb") as f:
                f.write(tmp.read_bytes())
            return True
        except FileExistsError:
            return False
