"""Browser UI (Gradio 6): the layout and handlers of the chat with numbered citations, the verify
panel, upload/reindex and index status. The HTML comes from :mod:`reportqa.app.render`, the CSS and
JavaScript from ``reportqa/app/static``; reports are added through the pipeline.
Named API endpoints (``gradio_client``): ``/ask``, ``/reindex``, ``/upload``, ``/status``.
"""

# No ``from __future__ import annotations``: gr.api reads the endpoints' return annotations as objects.
import contextlib
import dataclasses
import logging
import os
import re
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterator

import gradio as gr

from .render import (EMPTY_VERIFY, PENDING_HTML, chat_html, error_html, esc, growing, report_dict,
                         report_html, static, status_html, verify_html)
from ..errors import ReportQAError, UsageError
from ..ingest import SUPPORTED_SUFFIXES
from ..indexer import IndexReport
from ..pipeline import Pipeline
from ..types import Document
from ..uploads import MAX_BYTES, Rejected, Saved, discard_uploads

log = logging.getLogger(__name__)

EXAMPLES_ENV = "REPORTQA_EXAMPLES"  # a file of example questions, one a line, for another corpus
ASK_CONCURRENCY = 4  # questions answered at once; builds run in their own group, one at a time
STREAM_DELAY = 0.02  # seconds between the steps of a finished answer being typed out
_STAGES = {"read": "读取报告", "embed": "计算段落向量"}

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
        for prefix in growing(data["answer"]) if data["found"] else ():
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
        return self.pipe.build(progress=_build_progress(progress))

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
        """Add uploads to the corpus through the pipeline (it rebuilds when one of them is new), then
        drop Gradio's temporary copies."""
        try:
            return self.pipe.add_reports(files, _build_progress(progress))
        finally:
            discard_uploads(files, Path(gr.utils.get_upload_folder()))  # the corpus has its own copies

    def status_panel(self) -> str:
        """The status tab's HTML (an error box when there is no usable index)."""
        try:
            return status_html(self.pipe.status())
        except Exception as exc:  # noqa: BLE001
            return error_html(_message(exc))


def _build_progress(progress: Callable | None) -> Callable | None:
    """The pipeline's build progress (stage, done, total) shown on a Gradio progress bar."""
    if progress is None:
        return None
    progress(0, desc="准备重建索引…")
    return lambda stage, done, total: progress((done, total), desc=_STAGES.get(stage, stage), unit="项")


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
            verify = gr.HTML(EMPTY_VERIFY, js_on_load=static("verify.js"), elem_id="rq-verify")
            picker = gr.HTML("", js_on_load=static("pick.js"), elem_id="rq-picker", elem_classes="rq-hidden")
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
        quiet=quiet, show_error=True, theme=theme, css=static("ui.css"), footer_links=["api"],
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
