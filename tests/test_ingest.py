"""Reading reports: encodings, formats, errors, corpus walking."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reportqa.clean import clean_text
from reportqa.errors import IngestError
from reportqa.ingest import SUPPORTED_SUFFIXES, decode_bytes, iter_corpus, read_document

SEED = Path(__file__).resolve().parents[1] / "corpus"

SHORT_SIMPLIFIED = "珠三角帮扶市共拨付帮扶资金108.12亿元。"
SHORT_TRADITIONAL = "遴選47名優秀隊員到重點村擔任駐村第一書記。"
LONG_SIMPLIFIED = (
    "顾幸伟:广东史上最大规模帮扶,成为全面推进乡村振兴的有力催化剂\n\n"
    "2021年6月,省委、省政府印发《广东省乡村振兴驻镇帮镇扶村工作方案》,广东创新开启史上规模最大的帮扶行动,"
    "全域全覆盖全面推进全省1127个乡镇、近2万个行政村全面振兴。\n\n"
    "一年来,通过帮扶共帮助6.3万人次已脱贫人口实现就业,举办培训班1769期,培训已脱贫人口11万人次。"
)
LONG_TRADITIONAL = (
    "傳好脫貧攻堅接力棒 啟航鄉村振興新征程\n\n"
    "廣清手牽手,幫扶一家親。2021年7月,根據黨中央、國務院關于鞏固拓展脫貧攻堅成果同鄉村振興有效銜接的決策部署,"
    "組建24支駐鎮幫鎮扶村工作隊,開展“組團式”結對幫扶。\n\n"
    "一年來,累計籌集幫扶資金1400.1萬元,通過打深水井、加裝一體化凈水設施等方式,解決60455名村民的季節性和水質性缺水問題。"
)


def write(root: Path, name: str, data: bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- decode_bytes -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "codec", "family"),
    [
        (SHORT_SIMPLIFIED, "gbk", "gbk"),
        (SHORT_TRADITIONAL, "big5", "big5"),
        (LONG_SIMPLIFIED, "gbk", "gbk"),
        (LONG_TRADITIONAL, "big5", "big5"),
        ("乡村振兴", "gbk", "gbk"),
        ("鄉村振興", "big5", "big5"),
        ("村里", "gbk", "gbk"),
        (SHORT_TRADITIONAL, "gbk", "gbk"),  # GBK also holds traditional characters
    ],
)
def test_decode_gbk_and_big5(text: str, codec: str, family: str) -> None:
    decoded, encoding = decode_bytes(text.encode(codec), "x.txt")
    assert decoded == text
    assert encoding == family


def test_decode_gb18030_only_character() -> None:
    text = "𠮷野家在肇庆开设了新门店。"
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    assert decode_bytes(text.encode("gb18030"), "x.txt") == (text, "gb18030")


def test_decode_utf8_and_boms() -> None:
    assert decode_bytes(SHORT_SIMPLIFIED.encode("utf-8"), "x.txt") == (SHORT_SIMPLIFIED, "utf-8")
    assert decode_bytes(b"\xef\xbb\xbf" + SHORT_SIMPLIFIED.encode(), "x.txt") == (SHORT_SIMPLIFIED, "utf-8-sig")
    assert decode_bytes(SHORT_TRADITIONAL.encode("utf-16"), "x.txt") == (SHORT_TRADITIONAL, "utf-16")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_decode_utf16_without_bom(codec: str) -> None:
    assert decode_bytes(LONG_SIMPLIFIED.encode(codec), "x.txt") == (LONG_SIMPLIFIED, codec)


def test_decode_rejects_binary_and_garbage() -> None:
    with pytest.raises(IngestError, match=r"^scan\.txt: .*binary"):
        decode_bytes(b"PK\x03\x04\x00\x00\x08\x00binary\x00\x01\x02", "scan.txt")
    with pytest.raises(IngestError, match=r"^odd\.txt: .*UTF-8"):
        decode_bytes(b"abc\xff\xfd\xfc", "odd.txt")


# --- text files ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "codec"), [(LONG_SIMPLIFIED, "gbk"), (LONG_TRADITIONAL, "big5"),
                                             (SHORT_SIMPLIFIED, "gbk"), (SHORT_TRADITIONAL, "big5")])
def test_read_gbk_and_big5_files(tmp_path: Path, text: str, codec: str) -> None:
    path = write(tmp_path, f"r_{codec}.txt", text.encode(codec))
    doc = read_document(path, tmp_path)
    assert doc.text == clean_text(text).text
    assert doc.text.endswith(text[-20:])
    assert (doc.doc_id, doc.encoding, doc.fmt) == (f"r_{codec}.txt", codec, "txt")


def test_a_gbk_report_with_a_few_bad_bytes_is_read_with_a_warning(tmp_path: Path) -> None:
    good = LONG_SIMPLIFIED.encode("gbk")
    cut = [good.index("。".encode("gbk"), n) for n in (40, 120, 200)]
    damaged = b"".join([good[: cut[0]], b"\xff", good[cut[0]: cut[1]], b"\xff", good[cut[1]: cut[2]], b"\xff",
                        good[cut[2]:]])
    doc = read_document(write(tmp_path, "damaged.txt", damaged), tmp_path)
    assert doc.text.count("\ufffd") == 3 and doc.encoding.startswith("gb")
    assert "3 undecodable" in doc.note and "UTF-8" in doc.note
    assert doc.text.endswith(LONG_SIMPLIFIED[-20:])
    noisy = bytes(b ^ 0x80 if i % 7 == 0 else b for i, b in enumerate(good))
    with pytest.raises(IngestError, match="re-save the file as UTF-8"):
        read_document(write(tmp_path, "noisy.txt", noisy), tmp_path)


def test_read_utf8_bom_file(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + LONG_SIMPLIFIED.encode()), tmp_path)
    assert not doc.text.startswith("\ufeff")
    assert doc.text.startswith("顾幸伟:广东史上最大规模帮扶")
    assert doc.encoding == "utf-8-sig"


@pytest.mark.parametrize("name", sorted(p.name for p in SEED.glob("*.txt")))
def test_read_seed_reports(name: str) -> None:
    path = SEED / name
    doc = read_document(path, SEED)
    assert doc.doc_id == name and doc.fmt == "txt" and doc.encoding == "utf-8"
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.text == clean_text(path.read_text(encoding="utf-8")).text
    assert read_document(path, SEED) == doc  # same bytes, same document


def test_nested_doc_id_is_posix_relative(tmp_path: Path) -> None:
    path = write(tmp_path, "2023/肇庆/report.txt", LONG_SIMPLIFIED.encode())
    assert read_document(path, tmp_path).doc_id == "2023/肇庆/report.txt"


def test_markdown_marks_removed(tmp_path: Path) -> None:
    md = ("# 肇庆推进百千万工程\n\n![航拍](img/a.png)\n\n肇庆**深入实施**“强镇工程”,详见[方案](http://x.cn/a),"
          "为全市105个镇精准画像、分类施策。\n")
    doc = read_document(write(tmp_path, "a.md", md.encode()), tmp_path)
    assert doc.text == "肇庆推进百千万工程\n\n肇庆深入实施“强镇工程”,详见方案,为全市105个镇精准画像、分类施策。"
    assert doc.title == "肇庆推进百千万工程" and doc.fmt == "md"


# --- errors -------------------------------------------------------------------------------------
def test_empty_files_raise(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for name, data in [("empty.txt", b""), ("blank.txt", b" \n\n\t\n")]:
        with pytest.raises(IngestError, match=rf"^corpus/{name}: file is empty — add text"):
            read_document(write(corpus, name, data), corpus)


def test_only_boilerplate_raises(tmp_path: Path) -> None:
    data = "分享到\n扫一扫在手机打开当前页\n2.png\n".encode()
    with pytest.raises(IngestError, match=r"/chrome\.txt: no report text left"):
        read_document(write(tmp_path, "chrome.txt", data), tmp_path)


def test_binary_txt_raises(tmp_path: Path) -> None:
    data = bytes(range(256)) * 4
    with pytest.raises(IngestError, match=r"image\.txt: .*binary"):
        read_document(write(tmp_path, "image.txt", data), tmp_path)


def test_unsupported_suffix_raises(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"notes\.rtf: unsupported file type '\.rtf' — convert it to one of"):
        read_document(write(tmp_path, "notes.rtf", b"{\\rtf1 hello}"), tmp_path)


def test_unreadable_file_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "locked.txt", LONG_SIMPLIFIED.encode())

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", deny)  # running as root, chmod 000 would not stop us
    with pytest.raises(IngestError, match=r"locked\.txt: permission denied — make the file readable"):
        read_document(path, tmp_path)


@pytest.mark.parametrize("name", ["broken.pdf", "broken.docx"])
def test_corrupt_pdf_and_docx_raise(tmp_path: Path, name: str) -> None:
    with pytest.raises(IngestError, match=rf"{name}: cannot read this"):
        read_document(write(tmp_path, name, b"%PDF-1.4 this is not really a document"), tmp_path)


# --- html ---------------------------------------------------------------------------------------
PAGE = """<!DOCTYPE html><html><head><meta charset="{charset}">
<title>连州推进百千万工程_清远市人民政府门户网站</title>
<script>var tracking = "脚本里的文字不应出现";</script><style>.x{{color:red}}</style></head><body>
<header><div class="logo">清远市人民政府门户网站</div>
<nav><a href="/">首页</a> | <a href="/news">新闻中心</a> | <a href="/gk">政务公开</a></nav></header>
<div class="crumb">当前位置：首页 &gt; 新闻中心 &gt; 部门动态</div>
<article><h1>连州市推进“百千万工程”见成效</h1>
<div class="info">发布日期：2023-05-06　信息来源：市农业农村局</div>
<p>今年以来，连州市坚持以“百千万工程”为牵引，推动县镇村高质量发展，全市新建高标准农田2.1万亩，带动农民人均增收1200元。</p>
<p>连州市还组建了12支驻镇帮扶工作队，覆盖全市12个镇，推动178个帮扶项目落地见效，村集体经济收入全部超过10万元。</p>
</article>
<footer><p>版权所有：清远市人民政府办公室</p><p>粤ICP备12345678号</p><script>alert('页脚脚本')</script></footer>
</body></html>"""
PARA1 = ("今年以来，连州市坚持以“百千万工程”为牵引，推动县镇村高质量发展，"
         "全市新建高标准农田2.1万亩，带动农民人均增收1200元。")
PARA2 = "连州市还组建了12支驻镇帮扶工作队，覆盖全市12个镇，推动178个帮扶项目落地见效，村集体经济收入全部超过10万元。"


@pytest.mark.parametrize(("charset", "codec"), [("utf-8", "utf-8"), ("gb2312", "gb18030")])
def test_html_main_text(tmp_path: Path, charset: str, codec: str) -> None:
    path = write(tmp_path, "page.html", PAGE.format(charset=charset).encode(codec))
    doc = read_document(path, tmp_path)
    assert f"{PARA1}\n\n{PARA2}" in doc.text
    for junk in ("脚本", "color", "政务公开", "当前位置", "版权所有", "ICP", "发布日期"):
        assert junk not in doc.text, junk
    assert (doc.fmt, doc.date, doc.encoding) == ("html", "2023-05-06", codec)
    assert doc.title == "连州市推进“百千万工程”见成效"


def test_html_metadata_fallback_from_trafilatura(tmp_path: Path) -> None:
    page = ('<html><head><title>肇庆乡村振兴简报</title><meta name="date" content="2023-04-01"></head><body>'
            f"<article><p>{PARA1}</p><p>{PARA2}</p></article></body></html>")
    doc = read_document(write(tmp_path, "brief.htm", page.encode()), tmp_path)
    assert (doc.title, doc.date, doc.fmt) == ("肇庆乡村振兴简报", "2023-04-01", "html")
    assert doc.text == f"{PARA1}\n\n{PARA2}"


def test_a_date_the_page_does_not_state_is_not_shown(tmp_path: Path) -> None:
    page = ("<html><head><title>韶关乡村振兴</title></head><body><article>"
            f"<p>2016年,该镇启动帮扶。{PARA1}</p><p>{PARA2}</p></article></body></html>")
    assert read_document(write(tmp_path, "guess.html", page.encode()), tmp_path).date == ""
    stated = page.replace("<article>", "<article><p>发布时间:2024年3月7日</p>")
    assert read_document(write(tmp_path, "stated.html", stated.encode()), tmp_path).date == "2024-03-07"


def test_html_lxml_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *a, **k: None)
    doc = read_document(write(tmp_path, "page.html", PAGE.format(charset="utf-8").encode()), tmp_path)
    assert PARA1 in doc.text and PARA2 in doc.text
    for junk in ("脚本", "color", "政务公开", "版权所有"):
        assert junk not in doc.text, junk


def test_html_nested_deeper_than_the_parser_reads_keeps_its_text_and_says_so(tmp_path: Path) -> None:
    inner = "<div>" * 400 + f"<p>{PARA1}</p>" + "</div>" * 400
    page = f"<html><head><title>深层页面</title></head><body>{inner}<p>{PARA2}</p></body></html>"
    doc = read_document(write(tmp_path, "deep.html", page.encode()), tmp_path)
    assert PARA1 in doc.text and PARA2 in doc.text and doc.title == "深层页面"
    assert "nested 40" in doc.note


# --- docx ---------------------------------------------------------------------------------------
def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("肇庆市驻镇帮镇扶村工作总结", level=1)
    document.add_paragraph(PARA1)
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([("指标", "数值"), ("帮扶项目", "178个")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph(PARA2)
    buffer = io.BytesIO()
    document.save(buffer)
    doc = read_document(write(tmp_path, "summary.docx", buffer.getvalue()), tmp_path)
    assert doc.text == f"肇庆市驻镇帮镇扶村工作总结\n\n{PARA1}\n\n指标 | 数值\n帮扶项目 | 178个\n\n{PARA2}"
    assert (doc.title, doc.fmt) == ("肇庆市驻镇帮镇扶村工作总结", "docx")


# --- pdf ----------------------------------------------------------------------------------------
_TO_UNICODE = b"""/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def /CMapType 2 def
1 begincodespacerange <0000> <FFFF> endcodespacerange
1 beginbfrange <0000> <FFFF> <0000> endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end"""


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal PDF; text is shown with 2-byte codes equal to the code points (ToUnicode identity)."""
    n = len(pages)
    font, cmap = 3 + 2 * n, 4 + 2 * n
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(n)), n)]
    for lines in pages:
        ops = b" ".join(b"<%s> Tj T*" % line.encode("utf-16-be").hex().encode() for line in lines)
        content = b"BT /F1 12 Tf 72 720 Td 14 TL " + ops + b" ET"
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >>"
                    b" /Contents %d 0 R >>" % (font, len(objs) + 2))
        objs.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    objs.append(b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H /ToUnicode %d 0 R"
                b" /DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
                b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>] >>" % cmap)
    objs.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(_TO_UNICODE), _TO_UNICODE))
    out = io.BytesIO(b"%PDF-1.4\n")
    out.seek(0, io.SEEK_END)
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (i, obj))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % off for off in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def test_pdf_pages_joined(tmp_path: Path) -> None:
    data = make_pdf([["肇庆乡村振兴工作报告", PARA1], [PARA2]])
    doc = read_document(write(tmp_path, "report.pdf", data), tmp_path)
    assert doc.text == f"肇庆乡村振兴工作报告\n{PARA1}\n\n{PARA2}"
    assert (doc.title, doc.fmt, doc.sha256) == ("肇庆乡村振兴工作报告", "pdf", hashlib.sha256(data).hexdigest())


def test_a_pdf_pypdf_repairs_is_read_without_stray_output(tmp_path: Path) -> None:
    data = make_pdf([["肇庆乡村振兴工作报告", PARA1]])
    pointer = re.search(rb"startxref\s+(\d+)", data)
    data = data[: pointer.start(1)] + str(int(pointer.group(1)) + 7).encode() + data[pointer.end(1):]
    path = write(tmp_path, "repaired.pdf", data)
    code = "import sys; from pathlib import Path; from reportqa.ingest import read_document; " \
           "print(len(read_document(Path(sys.argv[1]), Path(sys.argv[2])).text))"
    run = subprocess.run([sys.executable, "-c", code, str(path), str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0 and int(run.stdout) > len(PARA1)
    assert run.stderr == "", run.stderr  # pypdf's repair notes would break the progress bars


def test_pdf_without_text_raises(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"scan\.pdf: the PDF has no extractable text"):
        read_document(write(tmp_path, "scan.pdf", make_pdf([[]])), tmp_path)


# --- corpus walking -----------------------------------------------------------------------------
def test_iter_corpus_sorted_and_filtered(tmp_path: Path) -> None:
    for name in ["b.txt", "a.md", "sub/c.PDF", "sub/d.docx", "x.html", "y.htm", ".hidden.txt", ".git/e.txt",
                 "~$d.docx", "notes.txt.swp", "notes.txt~", "image.png", "z.rtf"]:
        write(tmp_path, name, b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_corpus(tmp_path)]
    assert found == ["a.md", "b.txt", "sub/c.PDF", "sub/d.docx", "x.html", "y.htm"]
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".md", ".html", ".htm", ".pdf", ".docx"}


def test_iter_corpus_seed_and_missing(tmp_path: Path) -> None:
    assert [p.name for p in iter_corpus(SEED)] == sorted(p.name for p in SEED.glob("*.txt"))
    with pytest.raises(IngestError, match="corpus folder not found"):
        list(iter_corpus(tmp_path / "nope"))


def test_a_docx_decompression_bomb_is_skipped_with_the_limit(tmp_path, monkeypatch):
    import io
    import zipfile

    import reportqa.ingest as ingest
    from reportqa.errors import IngestError

    monkeypatch.setattr(ingest, "MAX_UNPACKED", 2**20)  # the mechanism, at a size a test can afford
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:p><w:r><w:t>帮扶</w:t></w:r></w:p>" * 60_000)  # ~2.5 MB, packs small
    (tmp_path / "bomb.docx").write_bytes(buf.getvalue())
    assert (tmp_path / "bomb.docx").stat().st_size < 100_000
    with pytest.raises(IngestError, match=r"bomb.docx: unpacks to 2 MB, over the 1 MB limit"):
        ingest.read_document(tmp_path / "bomb.docx", tmp_path)


def test_text_longer_than_any_report_is_skipped(tmp_path, monkeypatch):
    import reportqa.ingest as ingest
    from reportqa.errors import IngestError

    monkeypatch.setattr(ingest, "MAX_TEXT_CHARS", 1000)
    (tmp_path / "long.txt").write_text("广东乡村振兴驻镇帮镇扶村。" * 200, encoding="utf-8")
    with pytest.raises(IngestError, match="long.txt: its text is over 1,000 characters"):
        ingest.read_document(tmp_path / "long.txt", tmp_path)
