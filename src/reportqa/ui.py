"""Browser UI (Gradio 6): chat with numbered citations, a verify panel, upload/reindex, index status.

Every piece of report text and every question is escaped (:func:`esc`) before it becomes HTML.
Named API endpoints (``gradio_client``): ``/ask``, ``/reindex``, ``/upload``, ``/status``.
"""

# No ``from __future__ import annotations``: gr.api reads the endpoints' return annotations as objects.
import contextlib
import dataclasses
import html
import logging
import os
import re
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import gradio as gr

from .errors import ReportQAError, UsageError
from .ingest import SUPPORTED_SUFFIXES
from .indexer import IndexReport
from .pipeline import Pipeline
from .types import Document
from .uploads import MAX_BYTES, Rejected, Saved, discard_uploads, save_uploads

log = logging.getLogger(__name__)

EXAMPLES_ENV = "REPORTQA_EXAMPLES"  # a file of example questions, one a line, for another corpus
ASK_CONCURRENCY = 4  # questions answered at once; builds run in their own group, one at a time
STREAM_STEPS, STREAM_DELAY = 24, 0.02  # how the finished answer is typed out
PENDING_HTML = '<div class="rq-pending">🔎 正在检索报告并核对引文…</div>'
EMPTY_VERIFY = ('<div class="rq-empty">提问后，这里逐条列出回答所引用的原文：报告标题、日期、来源、文件，'
                '引用的句子以<mark class="rq-quote">高亮</mark>标出，并可展开整篇报告定位到该处。'
                '点击回答中的 <span class="rq-cite-demo">[1]</span> 即可切换到对应引文。</div>')
_STAGES = {"read": "读取报告", "embed": "计算段落向量"}
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


def _growing(text: str) -> Iterator[str]:
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


# ---------------------------------------------------------------- browser side
VERIFY_JS = """
const pick = (n) => {
  let card = null;
  element.querySelectorAll('.rq-card').forEach((c) => {
    const on = c.dataset.n === String(n);
    c.classList.toggle('rq-active', on);
    if (on) card = c;
  });
  if (card) card.scrollIntoView({block: 'nearest'});
};
const toQuote = (details) => {
  const box = details.querySelector('.rq-fulltext');
  const mark = box && box.querySelector('mark');
  if (mark) box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
};
element.addEventListener('click', (e) => {
  const b = e.target.closest && e.target.closest('.rq-cite');
  if (b && element.contains(b)) { e.preventDefault(); pick(b.value.split(':')[1]); }
});
element.addEventListener('toggle', (e) => {
  const d = e.target;
  if (d.classList && d.classList.contains('rq-full') && d.open) toQuote(d);
}, true);
if (typeof watch === 'function') watch('value', () => {
  const v = element.querySelector('.rq-verify');
  if (v && v.dataset.selected) pick(v.dataset.selected);
});
"""

# A [n] clicked in the chat selects that answer's citation: the hidden picker's value becomes
# "turn:n:time" and its change event re-renders the verify panel on the server.
PICK_JS = """
window.__rqPick = (turn, n) => { props.value = turn + ':' + n + ':' + Date.now(); trigger('change'); };
if (!window.__rqPickBound) {
  window.__rqPickBound = true;
  document.addEventListener('click', (e) => {
    const b = e.target.closest && e.target.closest('#rq-chat .rq-cite');
    if (!b) return;
    e.preventDefault();
    const [turn, n] = b.value.split(':');
    window.__rqPick(turn, n);
  }, true);
}
"""

CSS = """
.rq-hidden { display: none !important; }
#rq-verify { max-height: 78vh; overflow-y: auto; padding-right: 4px; }
.rq-cite { display: inline; border: 0; border-radius: 4px; padding: 0 3px; margin: 0 1px; cursor: pointer;
  font: inherit; font-size: .8em; font-weight: 600; vertical-align: super; line-height: 1;
  background: var(--color-accent-soft); color: var(--color-accent); }
.rq-cite:hover, .rq-cite:focus { outline: 2px solid var(--color-accent); }
.rq-cite-demo { color: var(--color-accent); font-weight: 600; }
.rq-sources { margin-top: .5em; font-size: .85em; opacity: .85; }
.rq-notfound { border: 1px solid #d39e00; background: #fff8e1; color: #6b4a00; border-radius: 8px;
  padding: 8px 12px; }
.rq-error { border: 1px solid #c62828; background: #fdecea; color: #7f1d1d; border-radius: 8px; padding: 8px 12px; }
.rq-flag { font-weight: 700; margin-bottom: 2px; }
.rq-near { margin-top: 6px; padding: 6px 10px; border-left: 3px solid #d39e00; background: #fffdf5; }
.rq-near-flag { font-size: .85em; font-weight: 600; }
.rq-near-src { font-size: .85em; opacity: .8; }
.rq-matched { margin-top: .4em; font-size: .8em; }
.rq-chip { display: inline-block; margin: 0 4px 2px 0; padding: 0 6px; border-radius: 10px;
  background: #e8f5e9; color: #1b5e20; border: 1px solid #a5d6a7; }
.rq-pending, .rq-muted, .rq-empty { color: var(--body-text-color-subdued); }
.rq-vq { font-weight: 600; margin-bottom: 4px; }
.rq-vanswer { margin: 4px 0 8px; }
.rq-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin: 8px 0; }
.rq-card.rq-active { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
.rq-card-title { font-weight: 600; }
.rq-pn { font-size: .8em; opacity: .7; margin-right: 4px; }
.rq-meta { display: grid; grid-template-columns: max-content 1fr; gap: 1px 10px; font-size: .85em; margin: 4px 0; }
.rq-meta dt { color: var(--body-text-color-subdued); }
.rq-meta dd { margin: 0; word-break: break-all; }
#rq-verify .rq-passage { white-space: pre-wrap; margin: 6px 0; padding: 6px 10px;
  border-left: 3px solid var(--color-accent); background: var(--background-fill-secondary); }
mark.rq-quote { background: #ffe066; color: #222; padding: 0 1px; }
.rq-full summary { cursor: pointer; color: var(--color-accent); font-size: .9em; }
.rq-fulltext { position: relative; white-space: pre-wrap; max-height: 45vh; overflow-y: auto; padding: 6px 10px;
  border: 1px solid var(--border-color-primary); border-radius: 6px; font-size: .92em; line-height: 1.7; }
.rq-report .rq-bad { color: #b71c1c; }
.rq-table { width: 100%; border-collapse: collapse; font-size: .9em; }
.rq-table th, .rq-table td { border-bottom: 1px solid var(--border-color-primary); padding: 4px 6px; text-align: left; }
"""

FONTS = ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "system-ui", "sans-serif"]


def example_questions() -> list[str]:
    """The example questions under the chat box: ``$REPORTQA_EXAMPLES`` (a file, one question a line)
    or the bundled corpus's ``data/examples.txt``; a file that cannot be read gives none."""
    path = os.environ.get(EXAMPLES_ENV)
    try:
        text = Path(path).read_text(encoding="utf-8") if path else \
            resources.files("reportqa.data").joinpath("examples.txt").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("example questions %s unreadable (%s); none shown", path, exc)
        return []
    return [q.strip() for q in text.splitlines() if q.strip() and not q.startswith("#")][:6]


# ---------------------------------------------------------------- server side
def _message(exc: BaseException) -> str:
    """A readable message: the library's own for ReportQAError, a short one (logged) otherwise."""
    if isinstance(exc, ReportQAError):
        return str(exc)
    log.error("unexpected error in the UI", exc_info=exc)
    return f"内部错误（{type(exc).__name__}），请稍后再试；详细信息已写入服务器日志。"


def _shown(exc: BaseException) -> str:
    """A failed UI event: a warning toast, and the error box to put in the page."""
    msg = _message(exc)
    gr.Warning(msg)
    return error_html(msg)


class _Handlers:
    """Event handlers around one :class:`Pipeline` (shared by all browser sessions)."""

    def __init__(self, pipe: Pipeline) -> None:
        self.pipe = pipe

    # ---- questions
    def answer(self, question: str, history: list[str] | None = None) -> dict:
        """Ask the pipeline; the answer as :func:`~reportqa.serialize.answer_dict` data."""
        return self.pipe.ask_json(question, list(history or []))

    def docs(self) -> dict[str, Document]:
        """The live index's documents ({} when there is no usable index)."""
        try:
            return self.pipe.index.docs
        except ReportQAError:
            return {}

    def respond(self, question: str, messages: list, turns: list) -> Iterator[tuple]:
        """Chat event: show the question, then the answer as it is typed out, then the verify panel."""
        question = (question or "").strip()
        if not question:
            gr.Warning("请输入一个关于报告的问题。")
            yield messages, gr.skip(), turns, ""
            return
        messages = [*messages, {"role": "user", "content": esc(question)}]
        yield [*messages, {"role": "assistant", "content": PENDING_HTML}], gr.skip(), turns, ""
        try:
            data = self.answer(question, [t["question"] for t in turns])
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message in the page
            yield [*messages, {"role": "assistant", "content": _shown(exc)}], gr.skip(), turns, ""
            return
        turn, turns = len(turns), [*turns, data]
        for prefix in _growing(data["answer"]) if data["found"] else ():
            yield [*messages, {"role": "assistant", "content": chat_html(data, turn, prefix)}], gr.skip(), turns, ""
            time.sleep(STREAM_DELAY)
        first = data["citations"][0]["n"] if data["citations"] else 0
        final = [*messages, {"role": "assistant", "content": chat_html(data, turn)}]
        yield final, verify_html(data, turn, first, self.docs()), turns, ""

    def select(self, ref: str, turns: list) -> Any:
        """Picker event ("turn:n:time"): show that answer's verify panel with citation n selected."""
        m = re.fullmatch(r"(\d+):(\d+)(?::\d+)?", (ref or "").strip())
        if not m or int(m.group(1)) >= len(turns):
            return gr.skip()
        turn, n = int(m.group(1)), int(m.group(2))
        return verify_html(turns[turn], turn, n, self.docs())

    # ---- index
    def build(self, progress: Callable | None = None) -> IndexReport:
        """Bring the index up to date with the corpus; the new snapshot goes live at the end."""
        if progress is None:
            return self.pipe.build()
        progress(0, desc="准备重建索引…")
        return self.pipe.build(progress=lambda stage, done, total: progress(
            (done, total), desc=_STAGES.get(stage, stage), unit="项"))

    def rebuild(self, progress: gr.Progress = gr.Progress()) -> str:
        """「从语料库重建」: rebuild, then report what changed."""
        try:
            report = self.build(progress)
        except Exception as exc:  # noqa: BLE001
            return _shown(exc)
        for name, why in report.skipped:
            gr.Warning(f"跳过 {name}：{why}")
        return report_html(report)

    def upload(self, files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[str, Any]:
        """「上传并重建索引」: save the files into the corpus, then rebuild if anything is new."""
        if not files:
            gr.Warning("请先选择要上传的报告文件。")
            return gr.skip(), gr.skip()
        try:
            saved, rejected, report = self.save_and_build(files, progress)
        except Exception as exc:  # noqa: BLE001
            return _shown(exc), gr.skip()
        for r in rejected:
            gr.Warning(f"{r.original}：{r.reason}")
        return report_html(report, saved, rejected), None

    def save_and_build(self, files: list[str], progress: Callable | None = None
                       ) -> tuple[list[Saved], list[Rejected], IndexReport | None]:
        """Save uploads into the corpus; rebuild when at least one of them is new."""
        saved, rejected = save_uploads(files, self.pipe.corpus_dir)
        discard_uploads(files, Path(gr.utils.get_upload_folder()))  # the corpus has its own copies
        report = self.build(progress) if any(s.status != "duplicate" for s in saved) else None
        return saved, rejected, report

    def status_panel(self) -> str:
        """The status tab's HTML (an error box when there is no usable index)."""
        try:
            return status_html(self.pipe.status())
        except Exception as exc:  # noqa: BLE001
            return error_html(_message(exc))


@contextlib.contextmanager
def _api_errors() -> Iterator[None]:
    """In API endpoints every failure becomes a gr.Error: gradio_client raises it with the message."""
    try:
        yield
    except gr.Error:
        raise
    except Exception as exc:  # noqa: BLE001
        raise gr.Error(_message(exc)) from exc


def _register_api(h: _Handlers, files: gr.File) -> None:
    """The named endpoints: /ask, /reindex, /status (gr.api) and /upload (needs a File input)."""

    def ask(question: str, history: list[str] | None = None) -> dict:
        """Answer a question about the reports. history: earlier questions, oldest first.
        Returns {found, answer, citations[{n, doc, title, chunk_id, start, end, text, quote,
        quote_start, quote_end, score}], passages}; offsets index the cleaned report text."""
        with _api_errors():
            return h.answer(question, history)

    def reindex() -> dict:
        """Bring the index up to date with the corpus folder; returns what changed and what was skipped."""
        with _api_errors():
            return report_dict(h.build())

    def status() -> dict:
        """Reports and passages indexed, model, build time, and each report's metadata."""
        with _api_errors():
            return h.pipe.status()

    def upload(paths: list[str] | None) -> dict:
        """Save report files into the corpus (rejecting unsafe or unsupported ones), then reindex."""
        with _api_errors():
            saved, rejected, report = h.save_and_build(paths or [])
        return {"saved": [dataclasses.asdict(s) for s in saved],
                "rejected": [dataclasses.asdict(r) for r in rejected], "index": report_dict(report)}

    gr.api(ask, api_name="ask", concurrency_id="ask", concurrency_limit=ASK_CONCURRENCY)
    gr.api(reindex, api_name="reindex", concurrency_id="build", concurrency_limit=1)
    gr.api(status, api_name="status", concurrency_limit=None)
    trigger, out = gr.Button(visible=False), gr.JSON(visible=False, label="result")
    trigger.click(upload, [files], [out], api_name="upload", concurrency_id="build", concurrency_limit=1)


# ---------------------------------------------------------------- layout
HEADER_HTML = ('<div class="rq-header"><h2>广东乡村振兴报告问答</h2><p class="rq-muted">用中文提问；回答中的 '
               '[n] 是引文编号，点击即可在右侧核对报告原文。报告里没有的内容会明确标为“未找到”。</p></div>')


def _chat_tab(h: _Handlers) -> None:
    turns = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=5):
            chat = gr.Chatbot(label="对话", elem_id="rq-chat", height=560, sanitize_html=True,
                              render_markdown=True, latex_delimiters=[], feedback_options=None,
                              buttons=[], placeholder="在下方输入问题，或点击示例问题。")
            with gr.Row():
                box = gr.Textbox(show_label=False, placeholder="输入关于报告的问题，按回车提问…", scale=8,
                                 lines=1, max_lines=4, autofocus=True, elem_id="rq-question")
                ask = gr.Button("提问", variant="primary", scale=1, min_width=80, elem_id="rq-ask")
            with gr.Row(elem_classes="rq-examples"):
                examples = [gr.Button(q, size="sm", variant="secondary") for q in example_questions()]
            clear = gr.Button("清空对话", size="sm", variant="stop")
        with gr.Column(scale=4):
            gr.HTML("<b>核对引文</b>", js_on_load=None)
            verify = gr.HTML(EMPTY_VERIFY, js_on_load=VERIFY_JS, elem_id="rq-verify")
            picker = gr.HTML("", js_on_load=PICK_JS, elem_id="rq-picker", elem_classes="rq-hidden")
    chat_event = dict(fn=h.respond, outputs=[chat, verify, turns, box], api_name="ui_chat", api_visibility="private",
                      concurrency_id="ask", concurrency_limit=ASK_CONCURRENCY)
    box.submit(inputs=[box, chat, turns], **chat_event)
    ask.click(inputs=[box, chat, turns], **chat_event)
    for button in examples:
        button.click(inputs=[button, chat, turns], **chat_event)
    picker.change(h.select, [picker, turns], [verify], api_name="ui_select", api_visibility="private",
                  concurrency_limit=None)
    gr.on([clear.click, chat.clear], lambda: ([], [], EMPTY_VERIFY), None, [chat, turns, verify],
          api_name="ui_clear", api_visibility="private", queue=False)


def _index_tab(h: _Handlers) -> gr.File:
    gr.Markdown(f"上传报告（{' '.join(SUPPORTED_SUFFIXES)}；单个文件不超过 {MAX_BYTES // 2**20} MB；"
                "中文编码自动识别）。文件保存到语料库后更新索引；重建期间仍可提问，新索引完成后一次性切换。"
                "同名但内容不同的文件会另存为带编号的新文件，不会覆盖已有报告。")
    files = gr.File(label="选择报告文件（可多选）", file_count="multiple", type="filepath", elem_id="rq-files")
    with gr.Row():
        upload = gr.Button("上传并重建索引", variant="primary", elem_id="rq-upload")
        rebuild = gr.Button("从语料库重建", elem_id="rq-rebuild")
    result = gr.HTML("", js_on_load=None, elem_id="rq-build-result")
    build = dict(api_visibility="private", concurrency_id="build", concurrency_limit=1)
    upload.click(h.upload, [files], [result, files], api_name="ui_upload", **build)
    rebuild.click(h.rebuild, None, [result], api_name="ui_rebuild", **build)
    return files


def build_app(pipe: Pipeline) -> gr.Blocks:
    """The Blocks app: 问答 (chat + verify panel), 上传与重建索引, 索引状态, and the API endpoints."""
    h = _Handlers(pipe)
    with gr.Blocks(title="报告问答 · reportqa", analytics_enabled=False) as demo:
        gr.HTML(HEADER_HTML, js_on_load=None)
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                _chat_tab(h)
            with gr.Tab("上传与重建索引", id="index"):
                files = _index_tab(h)
            with gr.Tab("索引状态", id="status") as status_tab:
                status = gr.HTML("", js_on_load=None, elem_id="rq-status")
                refresh = gr.Button("刷新", size="sm")
        gr.on([demo.load, status_tab.select, refresh.click], h.status_panel, None, [status],
              api_name="ui_status", api_visibility="private", concurrency_limit=None)
        _register_api(h, files)
    demo.queue(max_size=256)
    return demo


def start(pipe: Pipeline, host: str = "127.0.0.1", port: int = 7860, quiet: bool = False
          ) -> tuple[gr.Blocks, str]:
    """Launch the UI without blocking; returns the app (``.close()`` stops it) and its local URL."""
    demo = build_app(pipe)
    theme = gr.themes.Soft(primary_hue="teal", font=FONTS, font_mono=["ui-monospace", "monospace"])
    _, url, _ = demo.launch(
        server_name=host, server_port=port, share=False, inbrowser=False, prevent_thread_lock=True,
        quiet=quiet, show_error=True, theme=theme, css=CSS, footer_links=["api"],
        max_file_size=4 * MAX_BYTES, enable_monitoring=False, ssr_mode=False, mcp_server=False, pwa=False)
    return demo, url


def _warm_up(pipe: Pipeline) -> None:
    try:
        pipe.warm_up()
        _ = pipe.index  # load it now rather than on the first question
    except ReportQAError as exc:
        log.warning("%s", exc)


def serve(pipe: Pipeline, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Serve the UI on ``host:port`` (local only by default; never a share link) until Ctrl-C."""
    threading.Thread(target=_warm_up, args=(pipe,), name="reportqa-warm-up", daemon=True).start()
    try:
        demo, url = start(pipe, host, port, quiet=True)
    except OSError as exc:
        raise UsageError(f"cannot serve on {host}:{port} ({exc}); is another program using port {port}? "
                         "choose another with --port") from exc
    print(f"reportqa: open {url} in a browser (Ctrl-C to stop)", flush=True)
    demo.block_thread()
