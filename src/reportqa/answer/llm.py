"""Optional generator: an LLM writes the answer from numbered passages; every claim is checked.

The model sees the top passages as ``[1] …``, ``[2] …`` and must put ``[n]`` after each claim.
Sentences whose numbers, quoted names or place/organisation names are not in the passage they
cite (or that cite nothing, or barely overlap it) are dropped; when nothing checked remains, or
the backend fails, times out or returns garbage, the fallback (extractive) answer is returned and
:attr:`LLMAnswerer.last_fallback_reason` says why.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Protocol
from urllib.parse import urlparse

import numpy as np

from ..index.engine import IndexReader
from ..errors import ModelError, UsageError
from ..segment import Segmenter
from ..textnorm import fold
from ..types import Answer, Citation, Passage
from .base import Answerer, not_found, subject_context
from .extractive import ExtractiveAnswerer
from .question import entities, missing_names
from .verify import check, unsupported_claims

log = logging.getLogger(__name__)

UNANSWERABLE = "根据现有报告无法回答"
SYSTEM_PROMPT = (
    "你是报告问答助手。只能根据给出的报告段落回答问题，不得使用段落以外的知识。\n"
    "要求：\n"
    "1. 用中文简要回答。\n"
    "2. 每一句陈述后面都要用方括号标注所依据的段落编号，例如[1]或[2][3]。\n"
    "3. 数字、金额、日期和名称必须与段落原文完全一致，不得换算、取整或改写。\n"
    f"4. 如果段落中没有问题的答案，只回答：{UNANSWERABLE}"
)
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.S)
_MARK = re.compile(r"[\[【［]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]】］]")
_CLAIM = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*(?:[ \t]*\[\d+\])*")
_NUM = re.compile(r"\d+(?:\.\d+)?")
_CJK = re.compile(r"[\u3400-\u9fff0-9a-z]+")


class ChatBackend(Protocol):
    """A chat model with one verb."""

    def complete(self, messages: list[dict], timeout: float) -> str: ...


class BackendError(RuntimeError):
    """The model server answered with an error or something that is not a chat completion."""


class OpenAIChatBackend:
    """An OpenAI-compatible ``/chat/completions`` server (Ollama, vLLM, llama.cpp server…)."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None,
                 max_tokens: int = 512) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key if api_key is not None else os.environ.get("REPORTQA_LLM_API_KEY", "")
        self.max_tokens = max_tokens

    def complete(self, messages: list[dict], timeout: float) -> str:
        """The assistant message's text; raises on HTTP errors or when ``timeout`` seconds pass."""
        import httpx

        payload = {"model": self.model, "messages": messages, "temperature": 0,
                   "max_tokens": self.max_tokens, "stream": False}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        deadline = time.monotonic() + timeout
        body = bytearray()
        with httpx.Client(timeout=httpx.Timeout(timeout), trust_env=not _loopback(self.url)) as client:
            with client.stream("POST", self.url, json=payload, headers=headers) as resp:
                for part in resp.iter_bytes():
                    body += part
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{self.url} took longer than {timeout:g}s")
                if resp.status_code >= 400:
                    raise BackendError(f"{self.url} answered HTTP {resp.status_code}: "
                                       f"{bytes(body[:200]).decode('utf-8', 'replace')}")
        try:
            content = json.loads(body)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise BackendError(f"{self.url} did not return a chat completion ({exc!r})") from exc
        return content if isinstance(content, str) else ""


def _loopback(url: str) -> bool:
    """Whether ``url`` points at this machine (then environment proxies are bypassed)."""
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TransformersBackend:
    """A local causal-LM folder, loaded by :meth:`warm_up` (never at import), greedy decoding."""

    def __init__(self, path: str | Path, max_new_tokens: int = 384) -> None:
        self.path = Path(path)
        self.max_new_tokens = max_new_tokens
        self._tok = None
        self._model = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load tokenizer and model from the folder (local files only)."""
        with self._lock:
            if self._model is not None:
                return
            try:
                from transformers import AutoModelForCausalLM, AutoTokenizer

                tok = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
                model = AutoModelForCausalLM.from_pretrained(str(self.path), local_files_only=True)
            except (OSError, ValueError, KeyError, ImportError) as exc:
                raise ModelError(f"cannot load the language model at {self.path} ({exc}); point "
                                 "REPORTQA_LLM=transformers:PATH at a folder with config.json, "
                                 "weights and a tokenizer") from exc
            self._tok, self._model = tok, model.eval()

    def complete(self, messages: list[dict], timeout: float) -> str:
        """Greedy continuation of the chat (chat template if the tokenizer has one)."""
        import torch

        self.warm_up()
        tok, model = self._tok, self._model
        if getattr(tok, "chat_template", None):
            enc = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                          return_dict=True)
        else:
            enc = tok(plain_prompt(messages), return_tensors="pt")
        ids = enc["input_ids"]
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        with self._lock, torch.inference_mode():
            out = model.generate(input_ids=ids, attention_mask=enc.get("attention_mask"), do_sample=False,
                                 max_new_tokens=self.max_new_tokens, max_time=timeout, pad_token_id=pad)
        return tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)


def plain_prompt(messages: list[dict]) -> str:
    """A chat as plain text, for tokenizers without a chat template."""
    role = {"system": "", "user": "", "assistant": "回答："}
    text = "\n\n".join(role.get(m["role"], "") + m["content"] for m in messages)
    return text + "\n\n回答："


def build_messages(question: str, passages: list[Passage], index: IndexReader,
                   max_chars: int = 800) -> list[dict]:
    """System instructions + the numbered passages (with report titles) and the question."""
    parts = []
    for n, p in enumerate(passages, 1):
        doc = index.docs.get(p.chunk.doc_id)
        title = (doc.title if doc and doc.title else p.chunk.doc_id).strip()
        date = f"（{doc.date}）" if doc and doc.date else ""
        parts.append(f"[{n}] 来源：{title}{date}\n{p.chunk.text.strip()[:max_chars]}")
    user = "报告段落：\n\n" + "\n\n".join(parts) + f"\n\n问题：{question.strip()}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


@dataclass
class Claim:
    """One sentence of the model's answer and the passage numbers it cites."""

    text: str  # without markers, with its closing punctuation
    marks: list[int]
    newline: bool = False  # a line break followed it


def parse_claims(raw: str) -> list[Claim]:
    """The model's output cut into sentences; ``[1,2]``/【1】 markers normalised to ``[1][2]``."""
    text = _THINK.sub("", raw).strip()
    text = re.sub(r"^(?:回答|答案|答)\s*[:：]\s*", "", text)
    text = _MARK.sub(lambda m: "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1))), text)
    claims = []
    for m in _CLAIM.finditer(text):
        marks = [int(n) for n in re.findall(r"\[(\d+)\]", m.group(0))]
        body = re.sub(r"\s*\[\d+\]", "", m.group(0)).strip()
        if body.strip("。！？!?；;，,、：: "):
            claims.append(Claim(body, marks, text[m.end():m.end() + 1] == "\n"))
    return claims


class LLMAnswerer:
    """Answers with a chat model; checked claims only, else the ``fallback`` answerer's answer."""

    def __init__(self, backend: ChatBackend, fallback: Answerer, timeout: float = 30.0,
                 top_passages: int = 5, min_overlap: float = 0.3) -> None:
        self.backend = backend
        self.fallback = fallback
        self.timeout = timeout
        self.top_passages = top_passages
        self.min_overlap = min_overlap
        self.last_fallback_reason = ""  # why the last answer came from the fallback ('' if it did not)
        self.last_dropped: list[str] = []  # model sentences dropped by the check in the last answer

    def warm_up(self) -> None:
        """Load a local model now rather than on the first question (raises ModelError)."""
        if hasattr(self.backend, "warm_up"):
            self.backend.warm_up()

    def answer(self, question: str, passages: list[Passage], qvec: np.ndarray,
               index: IndexReader) -> Answer:
        """The model's checked answer, a refusal, or the fallback answer (reason recorded)."""
        self.last_fallback_reason, self.last_dropped = "", []
        shown = passages[: self.top_passages]
        if not shown:
            return not_found(question, passages)
        try:
            raw = self.backend.complete(build_messages(question, shown, index), self.timeout)
        except Exception as exc:  # noqa: BLE001 - any backend failure means: use the fallback
            return self._fall_back(f"the model failed: {type(exc).__name__}: {exc}",
                                   question, passages, qvec, index)
        claims = parse_claims(raw or "")
        kept = [c for c in claims if self._supported(c, question, shown, index)]
        if not kept:
            if fold(UNANSWERABLE) in fold(raw or ""):
                return not_found(question, passages)
            reason = ("the model returned nothing" if not claims else
                      "the model's answer cites no passage" if not any(c.marks for c in claims) else
                      f"no sentence of the model's answer is supported by the passage it cites "
                      f"({len(claims)} dropped)")
            return self._fall_back(reason, question, passages, qvec, index)
        ans = check(self.compose(question, kept, shown, passages, index))
        if not ans.found:
            return self._fall_back("the composed answer failed the citation check", question, passages,
                                   qvec, index)
        return ans

    def _fall_back(self, reason: str, question: str, passages: list[Passage], qvec: np.ndarray,
                   index: IndexReader) -> Answer:
        self.last_fallback_reason = reason
        log.warning("LLM answer not used (%s); using the extractive answer", reason)
        return self.fallback.answer(question, passages, qvec, index)

    def _supported(self, claim: Claim, question: str, shown: list[Passage], index: IndexReader) -> bool:
        """Whether a claim cites existing passages that contain its numbers, quoted names and places."""
        problem = claim_problem(claim, question, shown, index, self.min_overlap)
        if problem and fold(UNANSWERABLE) not in fold(claim.text):
            self.last_dropped.append(f"{claim.text} ({problem})")
            log.info("dropped model sentence %r: %s", claim.text, problem)
        return not problem

    def compose(self, question: str, kept: list[Claim], shown: list[Passage], passages: list[Passage],
                index: IndexReader) -> Answer:
        """Answer text with ``[k]`` renumbered per quoted sentence, and those citations."""
        cites: dict[tuple[str, int], Citation] = {}
        out = []
        for claim in kept:
            body = claim.text.rstrip("。！？!?；;")
            marks = []
            for n in dict.fromkeys(claim.marks):
                cite = best_quote(claim.text, shown[n - 1], index)
                key = (cite.chunk.chunk_id, cite.start)
                if key not in cites:
                    cite.n = len(cites) + 1
                    cites[key] = cite
                marks.append(f"[{cites[key].n}]")
            out.append(body + "".join(dict.fromkeys(marks)) + claim.text[len(body):]
                       + ("\n" if claim.newline else ""))
        return Answer(question, True, "".join(out).strip(), list(cites.values()), passages)


def claim_problem(claim: Claim, question: str, shown: list[Passage], index: IndexReader,
                  min_overlap: float = 0.3) -> str:
    """Why a claim is not supported by the passages it cites ('' when it is)."""
    if fold(UNANSWERABLE) in fold(claim.text):
        return "a refusal"
    if not claim.marks:
        return "cites nothing"
    if any(not 1 <= n <= len(shown) for n in claim.marks):
        return f"cites a passage that was not shown ({claim.marks})"
    marks = list(dict.fromkeys(claim.marks))
    cited = [shown[n - 1] for n in marks]
    cites = [Citation(n, p.chunk, p.chunk.text, p.chunk.start, p.chunk.end) for n, p in zip(marks, cited)]
    marked = claim.text + "".join(f"[{n}]" for n in marks)
    problems = unsupported_claims(Answer(question, True, marked, cites, cited))
    if problems:
        return "; ".join(problems)
    context = "".join(subject_context(index, p.chunk) for p in cited)
    for name in missing_names(entities(fold(claim.text)), context):
        return f"{name} is not in the cited passage or its report's opening"
    overlap = _overlap(claim.text, "".join(p.chunk.text for p in cited) + question)
    if overlap < min_overlap:
        return f"shares only {overlap:.0%} of its wording with the cited passage"
    return ""


def _bigrams(text: str) -> set[str]:
    out = set()
    for run in _CJK.findall(fold(text)):
        out.update(run[i:i + 2] for i in range(max(len(run) - 1, 1)))
    return out


def _overlap(claim: str, support: str) -> float:
    """Share of the claim's character bigrams that occur in ``support``."""
    grams = _bigrams(claim)
    return len(grams & _bigrams(support)) / len(grams) if grams else 0.0


def best_quote(claim: str, passage: Passage, index: IndexReader) -> Citation:
    """The sentence of ``passage`` sharing most numbers and wording with ``claim``, as a citation."""
    sents = [s for _, s in index.sentences_within(passage.chunk)]
    if not sents:
        c = passage.chunk
        return Citation(0, c, c.text, c.start, c.end, _overlap(claim, c.text))
    nums = set(_NUM.findall(fold(claim)))

    def score(text: str) -> float:
        return 3 * len(nums & set(_NUM.findall(fold(text)))) + _overlap(claim, text)

    best = max(sents, key=lambda s: score(s.text))
    return Citation(0, passage.chunk, best.text, best.start, best.end, _overlap(claim, best.text))


def answerer_from_settings(segmenter: Segmenter, env: Mapping[str, str] | None = None) -> Answerer:
    """The answerer chosen by ``REPORTQA_LLM`` (``openai`` or ``transformers:PATH``; unset: extractive).

    ``openai`` reads ``REPORTQA_LLM_BASE_URL``, ``REPORTQA_LLM_MODEL`` and ``REPORTQA_LLM_API_KEY``;
    ``REPORTQA_LLM_TIMEOUT`` (seconds, default 30) applies to both. Bad settings raise UsageError.
    """
    env = os.environ if env is None else env
    choice = env.get("REPORTQA_LLM", "").strip()
    fallback = ExtractiveAnswerer(segmenter)
    if not choice or choice.lower() in ("none", "extractive", "off"):
        return fallback
    timeout = _timeout(env)
    if choice.lower() == "openai":
        return LLMAnswerer(_openai_backend(env), fallback, timeout)
    if choice.lower().startswith("transformers:"):
        path = Path(choice.split(":", 1)[1]).expanduser()
        if not (path / "config.json").is_file():
            raise UsageError(f"REPORTQA_LLM={choice}: {path} is not a model folder (no config.json); "
                             "set REPORTQA_LLM=transformers:/path/to/local/causal-lm")
        return LLMAnswerer(TransformersBackend(path), fallback, timeout)
    raise UsageError(f"REPORTQA_LLM={choice!r} is not understood; use REPORTQA_LLM=openai (with "
                     "REPORTQA_LLM_BASE_URL and REPORTQA_LLM_MODEL), REPORTQA_LLM=transformers:PATH, "
                     "or unset it for the extractive answerer")


def _openai_backend(env: Mapping[str, str]) -> OpenAIChatBackend:
    url, model = env.get("REPORTQA_LLM_BASE_URL", "").strip(), env.get("REPORTQA_LLM_MODEL", "").strip()
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"REPORTQA_LLM_BASE_URL={url!r} is not an http(s) URL; with REPORTQA_LLM=openai "
                         "set it to the server's API root, e.g. http://127.0.0.1:11434/v1")
    if not model:
        raise UsageError("REPORTQA_LLM_MODEL is not set; with REPORTQA_LLM=openai set it to the served "
                         "model's name, e.g. qwen2.5:7b-instruct")
    return OpenAIChatBackend(url, model, env.get("REPORTQA_LLM_API_KEY") or None)


def _timeout(env: Mapping[str, str]) -> float:
    raw = env.get("REPORTQA_LLM_TIMEOUT", "").strip()
    try:
        value = float(raw) if raw else 30.0
    except ValueError:
        value = -1.0
    if not value > 0:
        raise UsageError(f"REPORTQA_LLM_TIMEOUT={raw!r} is not a positive number of seconds; "
                         "set e.g. REPORTQA_LLM_TIMEOUT=30")
    return value
