"""HTML for the chat, the verify panel, the status tab and index reports: pure functions of the data.

Every piece of report text and every question is escaped (:func:`esc`) before it becomes HTML.
"""

from __future__ import annotations

import dataclasses
import html
import re
from importlib import resources
from typing import Any, Iterator, Sequence

from ..indexer import IndexReport
from ..types import Document
from ..uploads import Rejected, Saved


STREAM_STEPS = 24  # a finished answer is shown growing in this many steps


def static(name: str) -> str:
    """A file of ``reportqa/app/static`` (the UI's CSS and JavaScript)."""
    return resources.files("reportqa.app").joinpath("static", name).read_text(encoding="utf-8")


PENDING_HTML = '<div class="rq-pending">🔎 正在检索报告并核对引文…</div>'
EMPTY_VERIFY = ('<div class="rq-empty">提问后，这里逐条列出回答所引用的原文：报告标题、日期、来源、文件，'
                '引用的句子以<mark class="rq-quote">高亮</mark>标出，并可展开整篇报告定位到该处。'
                '点击回答中的 <span class="rq-cite-demo">[1]</span> 即可切换到对应引文。</div>')
_MARKER = re.compile(r"\[(\d+)\]")
_PIECE = re.compile(r"\[\d+\]|[^\[]{1,3}|\[")
_MD_ACTIVE = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_[]()#!|~$"})


# ---------------------------------------------------------------- text → safe HTML
def esc(text: Any) -> str:
    """Text as inert HTML: ``html.escape`` plus Markdown-active characters as entities. Double quotes
    are escaped (attributes here are double-quoted); apostrophes stay as they are, since the chat would
    show an escaped one as ``&#x27;``."""
    return html.escape(str(text), quote=False).replace('"', "&quot;").translate(_MD_ACTIVE)


def _cite(turn: int, n: int) -> str:
    """A clickable ``[n]``; ``value`` is "turn:n" (the chat's sanitizer drops data-* attributes)."""
    return (f'<button type="button" class="rq-cite" value="{turn}:{n}" '
            f'title="在右侧核对引文 [{n}]">[{n}]</button>')


def _answer_body(text: str, turn: int, numbers: set[int]) -> str:
    """Escaped answer text; each ``[n]`` that has a citation becomes a clickable button."""
    out, pos = [], 0
    for m in _MARKER.finditer(text):
        if int(m.group(1)) in numbers:
            out += [esc(text[pos:m.start()]), _cite(turn, int(m.group(1)))]
            pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def notfound_html(text: str, near: dict | None = None) -> str:
    """The "not in the reports" state: a warning box, unlike an answer; a near miss (what the reports
    give instead: another year, place or measure) inside it, marked as not the answer."""
    extra = ""
    if near:
        source = esc(near["citation"]["title"] or near["citation"]["doc"])
        extra = (f'<div class="rq-near"><div class="rq-near-flag">相近信息（不是所问的答案）</div>'
                 f'{esc(near["text"])}<div class="rq-near-src">出处：{source}</div></div>')
    return f'<div class="rq-notfound"><div class="rq-flag">⚠ 未找到</div>{esc(text)}{extra}</div>'


_CONSTRAINT_NAMES = {"时间": "时间", "地点": "地点", "单位": "单位", "指标": "指标", "数值": "数值", "对象": "对象"}


def matched_html(data: dict) -> str:
    """The constraints of the question the answer was checked against (时间 ✓ 2023年 · 地点 ✓ 茂名市)."""
    items = data.get("matched") or []
    if not items:
        return ""
    seen, chips = set(), []
    for m in items:
        key = (m["constraint"], m["value"])
        if key not in seen:
            seen.add(key)
            chips.append(f'<span class="rq-chip" title="{esc(m["where"])}">{esc(m["constraint"])} ✓ '
                         f'{esc(m["value"])}</span>')
    return f'<div class="rq-matched">核对：{"".join(chips)}</div>'


def error_html(message: str) -> str:
    """A failure shown in the page."""
    return f'<div class="rq-error"><div class="rq-flag">⛔ 出错了</div>{esc(message)}</div>'


def chat_html(data: dict, turn: int, partial: str | None = None) -> str:
    """One answer as chat HTML; ``partial`` is a prefix of the answer while it is typed out."""
    if not data["found"]:
        return notfound_html(data["answer"], data.get("near_miss"))
    nums = {c["n"] for c in data["citations"]}
    if partial is not None:
        return f'<div class="rq-answer">{_answer_body(partial, turn, nums)}<span class="rq-caret">▍</span></div>'
    sources = "".join(f'<div class="rq-source">{_cite(turn, c["n"])} {esc(c["title"] or c["doc"])}</div>'
                      for c in data["citations"])
    return (f'<div class="rq-answer">{_answer_body(data["answer"], turn, nums)}'
            f'<div class="rq-sources">{sources}</div>{matched_html(data)}</div>')


def growing(text: str) -> Iterator[str]:
    """Longer and longer prefixes of ``text`` (never splitting a ``[n]`` marker)."""
    pieces = _PIECE.findall(text)
    step = max(1, len(pieces) // STREAM_STEPS)
    for end in range(step, len(pieces), step):
        yield "".join(pieces[:end])


def _highlight(text: str, start: int, end: int, mark_id: str = "") -> str:
    """``text`` escaped, with ``text[start:end]`` in a <mark>."""
    ident = f' id="{mark_id}"' if mark_id else ""
    return (f'{esc(text[:start])}<mark class="rq-quote"{ident}>{esc(text[start:end])}</mark>'
            f'{esc(text[end:])}')


def _locate(text: str, quote: str, start: int) -> int:
    """Where ``quote`` is in ``text``: at ``start`` if it is there, else its first occurrence (-1)."""
    if quote and text[start:start + len(quote)] == quote:
        return start
    return text.find(quote) if quote else -1


def _meta_html(c: dict, doc: Document | None) -> str:
    rows = [("日期", doc.date if doc else ""), ("来源", doc.source if doc else ""), ("文件", c["doc"])]
    return '<dl class="rq-meta">' + "".join(
        f"<dt>{k}</dt><dd>{esc(v) if v else '<span class=rq-muted>（未注明）</span>'}</dd>"
        for k, v in rows) + "</dl>"


def _full_html(c: dict, doc: Document | None, anchor: str) -> str:
    """The whole cleaned report in a <details>, the quote marked (the JS hook scrolls to it)."""
    if doc is None:
        return '<p class="rq-muted">该报告已不在当前索引中（可能已被删除或改名）。</p>'
    quote = c.get("quote", c["text"])
    at = _locate(doc.text, quote, c.get("quote_start", c["start"]))
    body = esc(doc.text) if at < 0 else _highlight(doc.text, at, at + len(quote), anchor)
    note = "" if at >= 0 else '<p class="rq-muted">报告已更新，原引文在新版本中找不到。</p>'
    return (f'<details class="rq-full"><summary>查看全文（定位到引文）</summary>{note}'
            f'<div class="rq-fulltext">{body}</div></details>')


def card_html(c: dict, turn: int, active: bool, doc: Document | None) -> str:
    """One citation (or passage): title, date, source, file, passage with the quote marked."""
    lead = len(c["text"]) - len(c["text"].lstrip())
    passage = c["text"].strip()  # offsets below are relative to the stripped passage
    quote = c.get("quote")
    at = _locate(passage, quote, c["quote_start"] - c["start"] - lead) if quote else -1
    shown = _highlight(passage, at, at + len(quote)) if at >= 0 else esc(passage)
    title = esc((doc.title if doc else c.get("title")) or c["doc"])
    marker = _cite(turn, c["n"]) if quote and isinstance(c["n"], int) else f'<span class="rq-pn">{esc(c["n"])}</span>'
    full = _full_html(c, doc, f"rq-a-{turn}-{c['n']}")
    return (f'<section class="rq-card{" rq-active" if active else ""}" data-n="{c["n"]}" '
            f'data-doc="{esc(c["doc"])}"><div class="rq-card-title">{marker} {title}</div>'
            f'{_meta_html(c, doc)}<blockquote class="rq-passage">{shown}</blockquote>'
            f'{full}</section>')


def verify_html(data: dict | None, turn: int, selected: int, docs: dict[str, Document]) -> str:
    """The verify panel for one answer, citation ``selected`` highlighted."""
    if data is None:
        return EMPTY_VERIFY
    head = f'<div class="rq-vq">第 {turn + 1} 问：{esc(data["question"])}</div>'
    if not data["found"]:
        near = "".join(card_html(p, turn, False, docs.get(p["doc"])) for p in data["passages"][:3])
        hint = '<div class="rq-muted">最接近的段落（仅供参考，它们不回答这个问题）：</div>' if near else ""
        miss = data.get("near_miss")
        card = card_html({**miss["citation"], "n": "≈"}, turn, False, docs.get(miss["citation"]["doc"])) if miss else ""
        box = notfound_html(data["answer"], miss)
        return f'<div class="rq-verify" data-turn="{turn}">{head}{box}{card}{hint}{near}</div>'
    nums = {c["n"] for c in data["citations"]}
    cards = "".join(card_html(c, turn, c["n"] == selected, docs.get(c["doc"])) for c in data["citations"])
    answer = f'<div class="rq-vanswer">{_answer_body(data["answer"], turn, nums)}{matched_html(data)}</div>'
    return f'<div class="rq-verify" data-turn="{turn}" data-selected="{selected}">{head}{answer}{cards}</div>'


def status_html(st: dict) -> str:
    """Index status: counts, model, build time, and a table of the reports."""
    facts = [("报告", f'{st["reports"]} 份'), ("段落", f'{st["passages"]} 个'), ("模型", st["model"]),
             ("建立时间", st.get("built_at") or ""), ("建索引用时", f'{st.get("build_seconds") or 0} 秒'),
             ("索引目录", st.get("index", "")), ("语料目录", st.get("corpus", ""))]
    dl = '<dl class="rq-meta">' + "".join(f"<dt>{k}</dt><dd>{esc(v)}</dd>" for k, v in facts) + "</dl>"
    rows = "".join(
        f'<tr><td>{esc(d.get("title") or "")}</td><td>{esc(d.get("date") or "")}</td>'
        f'<td>{esc(d.get("source") or "")}</td><td><code>{esc(d["doc_id"])}</code></td>'
        f'<td>{esc(d.get("fmt") or "")} {esc(d.get("encoding") or "")}</td><td>{d.get("chars", "")}</td></tr>'
        for d in sorted(st["documents"], key=lambda d: d["doc_id"]))
    table = ('<table class="rq-table"><thead><tr><th>标题</th><th>日期</th><th>来源</th><th>文件</th>'
             f'<th>格式/编码</th><th>字数</th></tr></thead><tbody>{rows}</tbody></table>')
    return f'<div class="rq-status">{dl}{table}</div>'


def report_html(report: IndexReport | None, saved: Sequence[Saved] = (),
                rejected: Sequence[Rejected] = ()) -> str:
    """What an upload and/or rebuild did, skipped files with their reasons."""
    parts = [f'<li class="rq-ok">{esc(s.original)}：{esc(s.message)}</li>' for s in saved]
    parts += [f'<li class="rq-bad">✗ {esc(r.original)}：{esc(r.reason)}</li>' for r in rejected]
    if report is not None:
        parts.append(f'<li>索引已就绪：{report.documents} 份报告，{report.chunks} 个段落，用时 {report.seconds:.1f} 秒'
                     f'（新计算 {report.embedded} 条向量，复用 {report.reused} 条）</li>')
        for label, names in (("新增", report.added), ("更新", report.updated), ("删除", report.removed),
                             ("读取失败，保留旧版本", report.kept_previous)):
            if names:
                parts.append(f"<li>{label}（{len(names)}）：{esc('、'.join(names))}</li>")
        parts += [f'<li class="rq-bad">跳过 {esc(n)}：{esc(why)}</li>' for n, why in report.skipped]
        parts += [f'<li class="rq-bad">已索引，但 {esc(n)}：{esc(note)}</li>' for n, note in report.warnings]
    elif saved or rejected:
        parts.append("<li>没有新报告，索引保持不变。</li>")
    return f'<ul class="rq-report">{"".join(parts)}</ul>'


def report_dict(report: IndexReport | None) -> dict | None:
    """An :class:`IndexReport` as JSON-ready data."""
    return dataclasses.asdict(report) if report is not None else None
