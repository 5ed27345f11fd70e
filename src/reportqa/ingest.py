"""Read report files (txt, md, html, pdf, docx) into cleaned :class:`~reportqa.types.Document` records.

Format dispatch and text extraction live here; boilerplate removal is :mod:`reportqa.clean`.
Every failure is an :class:`~reportqa.errors.IngestError` naming the file and the fix.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .clean import clean_text
from .errors import IngestError
from .types import Document

if TYPE_CHECKING:
    from docx.table import Table

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
_FORMATS = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}
_SUPPORTED_TEXT = " ".join(SUPPORTED_SUFFIXES)

# --- decoding ---------------------------------------------------------------------------------
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_FAMILIES = {  # tried in order; the first that decodes strictly represents the family
    "gb": ("gbk", "gb18030"),
    "big5": ("big5", "cp950", "big5hkscs"),
    "utf-16-le": ("utf-16-le",),
    "utf-16-be": ("utf-16-be",),
}
_FAMILY_PREFERENCE = {"gb": 3, "big5": 2, "utf-16-le": 1, "utf-16-be": 0}  # ties go to the mainland encoding
COMMON_SIMPLIFIED = 4000  # top characters of jieba's dictionary, plus their traditional forms
MIN_PLAUSIBLE = 0.4  # below this mean weight the decoded characters are not Chinese text
REPLACEMENT = "\ufffd"
MAX_REPLACED_SHARE = 0.01  # a text with more undecodable bytes than this share (and than
MAX_REPLACED_FEW = 5  # this many) is refused, not patched
_NEUTRAL = re.compile(r"[\s\u2000-\u206f\u2100-\u214f\u2190-\u21ff\u2460-\u24ff\u2500-\u27bf"
                      r"\u3000-\u303f\uff00-\uffef\u00a0-\u00bf\u00d7\u00f7\u30fb]")


@functools.lru_cache(maxsize=1)
def char_weights() -> dict[str, float]:
    """Weight 1.0 (most frequent) to 0.5 (rank COMMON_SIMPLIFIED) for frequent CJK characters.

    Frequencies come from jieba's dictionary (simplified); each character's traditional
    forms (OpenCC s2t, s2tw, s2hk) get the same weight, so both scripts score alike.
    """
    import jieba
    import opencc

    freq: collections.Counter[str] = collections.Counter()
    with Path(jieba.__file__).with_name("dict.txt").open(encoding="utf-8") as f:
        for line in f:
            parts = line.split(" ")
            if len(parts) >= 2 and parts[1].isdigit():
                for ch in parts[0]:
                    if "\u4e00" <= ch <= "\u9fff":
                        freq[ch] += int(parts[1])
    top = [ch for ch, _ in freq.most_common(COMMON_SIMPLIFIED)]
    weights: dict[str, float] = {}
    converters = [opencc.OpenCC(config) for config in ("s2t", "s2tw", "s2hk")]
    for rank, ch in enumerate(top):
        weight = 1.0 - 0.5 * rank / COMMON_SIMPLIFIED
        for form in {ch, *(c.convert(ch) for c in converters)}:
            weights.setdefault(form, weight)
    return weights


def chinese_score(text: str) -> float:
    """Mean frequency weight of the non-ASCII, non-punctuation characters (rare ones count 0)."""
    weights = char_weights()
    total, judged = 0.0, 0
    for ch in text:
        if ch < "\x80" or _NEUTRAL.match(ch):
            continue
        total += weights.get(ch, 0.0)
        judged += 1
    return total / judged if judged else 1.0  # nothing suspicious to judge


def _control_share(text: str) -> float:
    bad = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    return bad / max(len(text), 1)


def _from_bom(data: bytes) -> tuple[str, str] | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                return None
    return None


def _utf16_with_nuls(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without BOM (NUL bytes present): the endianness whose text is plausible, if any."""
    best: tuple[float, str, str] | None = None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = chinese_score(text)
        if _control_share(text) < 0.01 and score >= MIN_PLAUSIBLE and (best is None or score > best[0]):
            best = (score, text, encoding)
    return (best[1], best[2]) if best else None


def _candidates(data: bytes) -> list[tuple[str, str, str]]:
    """(family, encoding, text) for each family whose encodings decode ``data`` strictly."""
    out = []
    for family, encodings in _FAMILIES.items():
        if family.startswith("utf-16") and len(data) % 2:
            continue
        for encoding in encodings:
            try:
                out.append((family, encoding, data.decode(encoding)))
                break
            except UnicodeDecodeError:
                continue
    return out


def _detector_family(data: bytes) -> str:
    """The family charset-normalizer guesses (only a tie-breaker: it is weak on short text)."""
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    name = (best.encoding if best else "").replace("_", "-")
    if name in ("gb2312", "gbk", "gb18030", "cp936", "hz"):
        return "gb"
    if name.startswith(("big5", "cp950")):
        return "big5"
    return name if name in ("utf-16-le", "utf-16-be") else ""


def decode_bytes(data: bytes, name: str) -> tuple[str, str]:
    """Decode report bytes: BOM, strict UTF-8, else the best of GB18030/GBK, Big5, UTF-16."""
    found = _from_bom(data)
    if found is None and b"\x00" in data:
        found = _utf16_with_nuls(data) if len(data) % 2 == 0 else None
        if found is None:
            raise IngestError(f"{name}: contains NUL bytes, so it is binary, not text — "
                              "export it as UTF-8 text (or use a supported format) or remove it")
    if found is None:
        try:
            found = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            found = _guess_cjk(data, name)
    text, encoding = found
    if _control_share(text) > 0.01:
        raise IngestError(f"{name}: decodes as {encoding} but is full of control characters, so it "
                          "looks binary — export it as UTF-8 text or remove it from the corpus")
    return text, encoding


def _guess_cjk(data: bytes, name: str) -> tuple[str, str]:
    """Score each strict decoding by its share of common CJK characters; pick the best."""
    candidates = _candidates(data)
    if not candidates:
        return _with_replacements(data, name)
    hint = _detector_family(data)
    scored = [(chinese_score(text), family == hint, _FAMILY_PREFERENCE[family], encoding, text)
              for family, encoding, text in candidates]
    score, _, _, encoding, text = max(scored)
    if score < MIN_PLAUSIBLE:
        raise IngestError(f"{name}: could not tell the encoding (best guess {encoding} gives "
                          "unlikely characters) — re-save the file as UTF-8 text")
    return text, encoding


def _with_replacements(data: bytes, name: str) -> tuple[str, str]:
    """Decode with U+FFFD for bad bytes when they are a tiny share of an otherwise Chinese text."""
    tries = []
    for encoding in ("utf-8", "gb18030", "big5"):
        text = data.decode(encoding, errors="replace")
        tries.append((text.count(REPLACEMENT), -chinese_score(text), encoding, text))
    bad, neg_score, encoding, text = min(tries)
    if bad > max(MAX_REPLACED_FEW, MAX_REPLACED_SHARE * len(text)) or -neg_score < MIN_PLAUSIBLE:
        raise IngestError(f"{name}: the bytes are not valid UTF-8, GB18030, Big5 or UTF-16 — "
                          "re-save the file as UTF-8 text")
    return text, encoding


def replacement_note(text: str) -> str:
    """A warning for text holding U+FFFD from undecodable bytes ("" when there are none)."""
    bad = text.count(REPLACEMENT)
    return (f"{bad} undecodable byte sequence(s) shown as {REPLACEMENT}; the rest is indexed — re-save "
            "the file as UTF-8 to fix them") if bad else ""


# --- format extractors: bytes -> (raw text, encoding, fallback metadata) ------------------------
Extracted = tuple[str, str, dict[str, str]]
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1")
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?", re.MULTILINE)
_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_BLOCK_TAGS = ("title", "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
               "blockquote", "pre", "table", "ul", "ol", "dd", "dt")
_JUNK_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
              "template", "svg", "button", "select")


def _extract_text(data: bytes, shown: str) -> Extracted:
    text, encoding = decode_bytes(data, shown)
    return text, encoding, {}


def _extract_markdown(data: bytes, shown: str) -> Extracted:
    """Markdown: drop images, keep link texts, strip heading/quote/emphasis marks."""
    text, encoding = decode_bytes(data, shown)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = _MD_QUOTE.sub("", _MD_HEADING.sub("", text))
    return text, encoding, {}


def _decode_html(data: bytes, shown: str) -> tuple[str, str]:
    """Use the page's declared charset when it decodes strictly, else :func:`decode_bytes`."""
    declared = _HTML_CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        name = "gb18030" if name in ("gb2312", "gbk") else name
        try:
            return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data, shown)


def _extract_html(data: bytes, shown: str) -> Extracted:
    """Main text via trafilatura (one paragraph a line); lxml text when it finds nothing, or when the
    page nests deeper than trafilatura's parser reads (the text below that depth would be lost)."""
    import trafilatura

    html, encoding = _decode_html(data, shown)
    root = _parse_html(html, shown)
    depth = _depth(root)
    text, meta = None, None
    if depth <= MAX_PARSER_DEPTH:
        try:
            text = trafilatura.extract(html, output_format="txt", include_comments=False,
                                       include_tables=True, include_images=False, include_links=False,
                                       deduplicate=False)
            meta = trafilatura.extract_metadata(html)
        except Exception:  # trafilatura raises many types on broken markup; lxml below still works
            text, meta = None, None
    if text and text.strip():
        text = text.replace("\n", "\n\n")  # trafilatura writes one block a line: paragraphs
    else:
        text = _visible_text(root)
    date = getattr(meta, "date", None) or ""
    title = getattr(meta, "title", None) or (root.findtext(".//title") or "")
    found = {"title": title, "date": date if _stated(date, html) else ""}
    if depth > MAX_PARSER_DEPTH:
        found["note"] = (f"HTML nested {depth} levels deep: read as the page's whole visible text, "
                         "so some page navigation may remain")
    return text, encoding, {k: v.strip() for k, v in found.items() if v}


MAX_PARSER_DEPTH = 250  # trafilatura's lxml parse stops below about 255 levels (libxml2 without huge_tree)


def _depth(root: object) -> int:
    """How deep the element tree nests."""
    import lxml.etree

    depth = deepest = 0
    for event, _ in lxml.etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def _stated(date: str, html: str) -> bool:
    """Whether the page writes ``date`` (YYYY-MM-DD) down to the day: trafilatura also guesses
    dates (2016-01-01 from a bare 2016年), and a guess must not be shown as the report's date."""
    parts = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", date.strip())
    if not parts:
        return False
    y, m, d = parts.group(1), int(parts.group(2)), int(parts.group(3))
    pattern = rf"(?<!\d){y}\s*[-/.年]\s*0?{m}\s*[-/.月]\s*0?{d}(?!\d)"
    return re.search(pattern, html) is not None


def _parse_html(html: str, shown: str):  # -> lxml.html.HtmlElement (lxml is imported lazily)
    """The page's element tree, at any nesting depth."""
    import lxml.etree
    import lxml.html

    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)
    try:
        root = lxml.html.fromstring(html.encode("utf-8"), parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise IngestError(f"{shown}: cannot parse the HTML ({exc}) — save the page again or as .txt") from exc
    return root


def _visible_text(root) -> str:
    """Visible text of the page without scripts and navigation, a line per block element."""
    for junk in root.xpath("|".join(f"//{tag}" for tag in _JUNK_TAGS)):
        junk.drop_tree()
    for el in root.iter(*_BLOCK_TAGS):
        el.tail = "\n" + (el.tail or "")
    return root.text_content()


def _extract_pdf(data: bytes, shown: str) -> Extracted:
    """Text of each page (pypdf), pages separated by a blank line."""
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its repair notes would break progress bars
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        pages, size = [], 0
        for page in reader.pages:
            pages.append((page.extract_text() or "").strip())
            size += len(pages[-1])
            _check_text_size(size, shown)  # stop early on a page-stream bomb
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many types on corrupt or encrypted files
        raise IngestError(f"{shown}: cannot read this PDF ({type(exc).__name__}: {exc}) — it may be "
                          "corrupt or password-protected; re-export it or save it as .txt") from exc
    text = "\n\n".join(p for p in pages if p)
    if not text:
        raise IngestError(f"{shown}: the PDF has no extractable text (scanned pages?) — "
                          "run OCR on it or add a .txt version instead")
    return text, "", {}


MAX_UNPACKED = 64 * 2**20  # a .docx whose XML inflates past this is refused (a decompression bomb)
MAX_TEXT_CHARS = 4_000_000  # extracted text past this is refused: no report is that long


def _check_unpacked_size(data: bytes, shown: str) -> None:
    """Refuse a .docx whose XML parts (what is parsed; pictures are not) would inflate past
    :data:`MAX_UNPACKED`."""
    import zipfile

    try:
        total = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist()
                    if info.filename.endswith((".xml", ".rels")))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _unreadable_docx(shown, exc) from exc
    if total > MAX_UNPACKED:
        raise IngestError(f"{shown}: unpacks to {total // 2**20} MB, over the {MAX_UNPACKED // 2**20} MB "
                          "limit for a .docx (a decompression bomb?) — remove it, or save the report as .txt")


def _unreadable_docx(shown: str, exc: Exception) -> IngestError:
    return IngestError(f"{shown}: cannot read this .docx ({type(exc).__name__}: {exc}) — it may be corrupt "
                       "or not a Word file; re-save it from Word or as .txt")


def _check_text_size(size: int, shown: str) -> None:
    """Refuse extracted text longer than :data:`MAX_TEXT_CHARS`."""
    if size > MAX_TEXT_CHARS:
        raise IngestError(f"{shown}: its text is over {MAX_TEXT_CHARS:,} characters, more than any report "
                          "— split it into several files or remove it")


def _extract_docx(data: bytes, shown: str) -> Extracted:
    """Paragraphs and table rows (cells joined by " | ") in document order (python-docx)."""
    import docx
    from docx.table import Table

    _check_unpacked_size(data, shown)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(document.iter_inner_content())
    except Exception as exc:  # python-docx raises zip, XML and KeyError types on corrupt files
        raise _unreadable_docx(shown, exc) from exc
    parts = []
    for block in blocks:
        parts.append("\n".join(_table_rows(block)) if isinstance(block, Table) else block.text)
    return "\n\n".join(parts), "", {}


def _table_rows(table: Table) -> list[str]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is repeated once per grid column
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        rows.append(" | ".join(c for c in cells if c))
    return rows


_EXTRACTORS: dict[str, Callable[[bytes, str], Extracted]] = {
    "txt": _extract_text, "md": _extract_markdown, "html": _extract_html,
    "pdf": _extract_pdf, "docx": _extract_docx,
}


# --- documents and the corpus -------------------------------------------------------------------
def _doc_id(path: Path, corpus_root: Path) -> str:
    try:
        return path.resolve().relative_to(corpus_root.resolve()).as_posix()
    except ValueError:
        return path.name


def _read_bytes(path: Path, shown: str) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError as exc:
        raise IngestError(f"{shown}: permission denied — make the file readable (chmod +r) "
                          "or remove it from the corpus") from exc
    except FileNotFoundError as exc:
        raise IngestError(f"{shown}: file not found — it was moved or deleted; re-run indexing") from exc
    except IsADirectoryError as exc:
        raise IngestError(f"{shown}: is a directory, not a file — rename it") from exc
    except OSError as exc:
        raise IngestError(f"{shown}: cannot read the file ({exc}) — check the disk and permissions") from exc


def read_document(path: Path, corpus_root: Path) -> Document:
    """Read, extract and clean one report; ``doc_id`` is its path under ``corpus_root``."""
    doc_id = _doc_id(path, corpus_root)
    shown = f"{corpus_root.name}/{doc_id}" if corpus_root.name else doc_id
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(f"{shown}: unsupported file type {path.suffix or '(no suffix)'!r} — "
                          f"convert it to one of {_SUPPORTED_TEXT} or remove it from the corpus")
    data = _read_bytes(path, shown)
    if not data.strip():
        raise IngestError(f"{shown}: file is empty — add text to it or remove it from the corpus")
    raw, encoding, fallback = _EXTRACTORS[fmt](data, shown)
    _check_text_size(len(raw), shown)
    cleaned = clean_text(raw)
    if not cleaned.text.strip():
        raise IngestError(f"{shown}: no report text left after removing page boilerplate — "
                          "check that the file holds the article itself, or remove it")
    return Document(
        doc_id=doc_id, text=cleaned.text, title=cleaned.title or fallback.get("title", ""),
        date=cleaned.date or fallback.get("date", ""), source=cleaned.source,
        sha256=hashlib.sha256(data).hexdigest(), encoding=encoding, fmt=fmt,
        note="; ".join(n for n in (replacement_note(raw), fallback.get("note", "")) if n),
    )


def _skipped_name(name: str) -> bool:
    """Hidden files and editor/Office temp files (``.x``, ``~$x.docx``, ``x.swp``, ``x~``)."""
    return name.startswith((".", "~", "#")) or name.endswith(("~", ".swp", ".swo", ".tmp", ".part"))


def link_problem(path: Path, corpus_root: Path) -> str | None:
    """Why a symbolic link in the corpus is not read (dangling, looping, leading out), or ``None``."""
    if not path.is_symlink():
        return None
    target = os.readlink(path)
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        return f"is a link to {target}, which does not exist; remove the link or point it at a report"
    except (RuntimeError, OSError):
        return f"is a link that loops ({target}); remove it"
    if not resolved.is_relative_to(corpus_root.resolve()):
        return (f"is a link to {resolved}, outside the corpus folder; links are followed only inside "
                "the corpus — copy the report into it instead")
    return None if resolved.is_file() else f"is a link to {resolved}, which is not a file; remove it"


def iter_corpus(corpus_root: Path) -> Iterator[Path]:
    """Supported report files (and links to check with :func:`link_problem`) under ``corpus_root``,
    sorted by relative path."""
    if not corpus_root.is_dir():
        raise IngestError(f"{corpus_root}: corpus folder not found — create it and put reports "
                          f"({_SUPPORTED_TEXT}) in it")
    found = []
    for folder, dirs, files in os.walk(corpus_root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(folder, name)
            if not _skipped_name(name) and path.suffix.lower() in SUPPORTED_SUFFIXES and (
                    path.is_file() or path.is_symlink()):
                found.append(path)
    yield from sorted(found, key=lambda p: p.relative_to(corpus_root).as_posix())

