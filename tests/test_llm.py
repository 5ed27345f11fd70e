"""The optional LLM answerer: a fake OpenAI-compatible server and a tiny random local model (no downloads)."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reportqa.answer import ExtractiveAnswerer
from reportqa.answer.llm import (SYSTEM_PROMPT, UNANSWERABLE, LLMAnswerer, OpenAIChatBackend,
                                 TransformersBackend, answerer_from_settings, parse_claims)
from reportqa.errors import UsageError
from reportqa.pipeline import Pipeline
from reportqa.segment import Segmenter

from conftest import SEED_CORPUS
from fakes import HashEmbedder

NEWS = "004_ef51806a2fa47196.txt"
ZHAOQING = "000_c06064ebd0ab5228.txt"
MONEY_Q = "珠三角帮扶市共拨付了多少帮扶资金?"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(pipeline, corpus dir): a small index built with the fake embedder, shared by the tests."""
    tmp = tmp_path_factory.mktemp("llm")
    corpus = tmp / "corpus"
    corpus.mkdir()
    for name in (NEWS, ZHAOQING):
        shutil.copy(SEED_CORPUS / name, corpus / name)
    pipe = Pipeline(tmp / "index", corpus, embedder=HashEmbedder())
    pipe.build()
    return pipe, corpus


def ask(built, answerer, question=MONEY_Q):
    pipe = built[0]
    pipe.answerer = answerer
    return pipe.ask(question), pipe


def extractive(built):
    return ExtractiveAnswerer(built[0].segmenter)


def passage_with(messages, needle):
    """The number of the prompt passage whose text contains ``needle``."""
    user = messages[-1]["content"]
    for m in re.finditer(r"^\[(\d+)\] ", user, re.M):
        end = user.find("\n\n[", m.end())
        if needle in user[m.end(): end if end > 0 else len(user)]:
            return int(m.group(1))
    raise AssertionError(f"{needle} is in no prompt passage")


class FakeServer:
    """An OpenAI-compatible chat server on 127.0.0.1; ``respond(messages) -> (status, content)``."""

    def __init__(self):
        self.respond = lambda messages: (200, "")
        self.requests: list[dict] = []
        self.release = threading.Event()  # ends any deliberately slow response
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "body": body,
                                      "auth": self.headers.get("Authorization")})
                status, content = fake.respond(body["messages"])
                if status == "sleep":
                    fake.release.wait(10)  # bounded: released at teardown
                    status = 200
                data = (content if isinstance(content, bytes) else json.dumps(
                    {"choices": [{"message": {"role": "assistant", "content": content}}]},
                    ensure_ascii=False).encode())
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def stop(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server():
    srv = FakeServer()
    yield srv
    srv.stop()


def llm(server, built, timeout=5.0):
    return LLMAnswerer(OpenAIChatBackend(server.base_url, "fake-model"), extractive(built), timeout=timeout)


def test_correct_cited_answer_is_found_with_quote_inside_cited_passage(built, server, monkeypatch):
    monkeypatch.setenv("REPORTQA_LLM_API_KEY", "sk-test")
    server.respond = lambda msgs: (200, f"珠三角帮扶市共拨付帮扶资金108.12亿元[{passage_with(msgs, '108.12亿元')}]。")
    answerer = llm(server, built)
    ans, pipe = ask(built, answerer)
    assert ans.found and "108.12亿元" in ans.text and ans.text.endswith("[1]。")
    assert answerer.last_fallback_reason == ""
    [cite] = ans.citations
    assert cite.n == 1 and "108.12亿元" in cite.quote and cite.quote in cite.chunk.text
    assert pipe.index.docs[cite.chunk.doc_id].text[cite.start:cite.end] == cite.quote
    [req] = server.requests
    assert req["path"] == "/v1/chat/completions" and req["body"]["model"] == "fake-model"
    assert req["auth"] == "Bearer sk-test"
    prompt = req["body"]["messages"][-1]["content"]
    assert "[1] 来源：" in prompt and MONEY_Q in prompt and UNANSWERABLE in req["body"]["messages"][0]["content"]


def test_wrong_number_is_never_shown_and_falls_back(built, server):
    server.respond = lambda msgs: (200, f"珠三角帮扶市共拨付帮扶资金108.13亿元[{passage_with(msgs, '108.12亿元')}]。")
    answerer = llm(server, built)
    ans, _ = ask(built, answerer)
    expected, _ = ask(built, extractive(built))
    assert "108.13" not in ans.text
    assert ans.text == expected.text and ans.found == expected.found
    assert "108.13" in answerer.last_fallback_reason or "supported" in answerer.last_fallback_reason
    assert any("108.13" in d for d in answerer.last_dropped)


def test_wrong_sentence_is_dropped_and_supported_one_kept(built, server):
    def respond(msgs):
        n = passage_with(msgs, "108.12亿元")
        return 200, (f"珠三角帮扶市共拨付帮扶资金108.12亿元。[{n}] 其中2022年拨付了99.5亿元[{n}]。"
                     f"这些资金全部用于修路。")
    server.respond = respond
    answerer = llm(server, built)
    ans, _ = ask(built, answerer)
    assert ans.found and "108.12亿元[1]" in ans.text
    assert "99.5" not in ans.text and "修路" not in ans.text
    assert answerer.last_fallback_reason == "" and len(answerer.last_dropped) == 2


def test_unanswerable_reply_is_not_found(built, server):
    server.respond = lambda msgs: (200, UNANSWERABLE + "。")
    answerer = llm(server, built)
    ans, _ = ask(built, answerer, "广州帮扶清远架设了多少盏路灯?")
    assert not ans.found and ans.citations == [] and "路灯" in ans.text
    assert answerer.last_fallback_reason == ""


@pytest.mark.parametrize("reply", [(500, "internal error"), (200, b"not json"), (200, "好的。"),
                                   (200, "珠三角帮扶市共拨付帮扶资金108.12亿元[9]。")])
def test_server_error_or_garbage_returns_extractive_answer(built, server, reply):
    server.respond = lambda msgs: reply
    answerer = llm(server, built)
    ans, _ = ask(built, answerer)
    expected, _ = ask(built, extractive(built))
    assert ans.text == expected.text and ans.found == expected.found and "108.12亿元" in ans.text
    assert answerer.last_fallback_reason
    if reply[0] == 500:
        assert "500" in answerer.last_fallback_reason


def test_slow_server_times_out_to_extractive_answer(built, server):
    server.respond = lambda msgs: ("sleep", "珠三角帮扶市共拨付帮扶资金108.12亿元[1]。")
    answerer = llm(server, built, timeout=0.5)
    t0 = time.monotonic()
    ans, _ = ask(built, answerer)
    assert time.monotonic() - t0 < 5
    expected, _ = ask(built, extractive(built))
    assert ans.text == expected.text
    assert "Timeout" in answerer.last_fallback_reason or "timed out" in answerer.last_fallback_reason


def test_unreachable_server_falls_back(built):
    answerer = LLMAnswerer(OpenAIChatBackend("http://127.0.0.1:9/v1", "m"), extractive(built), timeout=2)
    ans, _ = ask(built, answerer)
    assert ans.found and "108.12亿元" in ans.text and answerer.last_fallback_reason


def test_parse_claims_normalises_markers():
    claims = parse_claims("<think>想一想</think>答：甲为1亿元【1】。乙为2个[2,3]；丙。[4]\n丁[1][2]")
    assert [(c.text, c.marks) for c in claims] == [("甲为1亿元。", [1]), ("乙为2个；", [2, 3]),
                                                   ("丙。", [4]), ("丁", [1, 2])]


def _tiny_model(path, texts, chat_template):
    """A randomly initialised 1-layer Llama with a character-level tokenizer, saved to ``path``."""
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<unk>", "<pad>", "<s>", "</s>"]
    vocab = {t: i for i, t in enumerate(specials + sorted(set("".join(texts)) - set(specials)))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tok.decoder = decoders.Fuse()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>",
                                   bos_token="<s>", eos_token="</s>")
    if chat_template:
        fast.chat_template = ("{% for m in messages %}<s>{{ m['role'] }}\n{{ m['content'] }}</s>{% endfor %}"
                              "{% if add_generation_prompt %}<s>assistant\n{% endif %}")
    fast.save_pretrained(path)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=8192,
                         pad_token_id=1, bos_token_id=2, eos_token_id=3)
    LlamaForCausalLM(config).save_pretrained(path)


@pytest.mark.parametrize("chat_template", [False, True])
def test_tiny_local_model_runs_end_to_end_and_falls_back(built, tmp_path, chat_template):
    corpus = built[1]
    texts = [p.read_text(encoding="utf-8") for p in corpus.iterdir()] + [SYSTEM_PROMPT, MONEY_Q, "来源：报告段落问题"]
    _tiny_model(tmp_path / "tiny", texts, chat_template)
    backend = TransformersBackend(tmp_path / "tiny", max_new_tokens=16)
    answerer = LLMAnswerer(backend, extractive(built), timeout=60)
    answerer.warm_up()
    out = backend.complete([{"role": "user", "content": MONEY_Q}], 30)
    assert isinstance(out, str) and out  # gibberish, but generated
    ans, _ = ask(built, answerer)
    expected, _ = ask(built, extractive(built))
    assert ans.text == expected.text and "108.12亿元" in ans.text
    reason = answerer.last_fallback_reason
    assert reason and not reason.startswith("the model failed")  # generated, then rejected by the check


def test_settings_choose_answerer(tmp_path):
    seg = Segmenter()
    assert isinstance(answerer_from_settings(seg, {}), ExtractiveAnswerer)
    a = answerer_from_settings(seg, {"REPORTQA_LLM": "openai", "REPORTQA_LLM_BASE_URL": "http://127.0.0.1:11434/v1",
                                     "REPORTQA_LLM_MODEL": "qwen", "REPORTQA_LLM_TIMEOUT": "12"})
    assert isinstance(a, LLMAnswerer) and a.timeout == 12 and a.backend.url.endswith("/v1/chat/completions")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("{}")
    a = answerer_from_settings(seg, {"REPORTQA_LLM": f"transformers:{tmp_path / 'm'}"})
    assert isinstance(a.backend, TransformersBackend) and a.backend._model is None  # not loaded yet


@pytest.mark.parametrize("env, names", [
    ({"REPORTQA_LLM": "gpt"}, "REPORTQA_LLM="),
    ({"REPORTQA_LLM": "openai", "REPORTQA_LLM_MODEL": "m"}, "REPORTQA_LLM_BASE_URL"),
    ({"REPORTQA_LLM": "openai", "REPORTQA_LLM_BASE_URL": "http://x/v1"}, "REPORTQA_LLM_MODEL"),
    ({"REPORTQA_LLM": "transformers:/no/such/dir"}, "transformers:"),
    ({"REPORTQA_LLM": "openai", "REPORTQA_LLM_BASE_URL": "http://x/v1", "REPORTQA_LLM_MODEL": "m",
      "REPORTQA_LLM_TIMEOUT": "soon"}, "REPORTQA_LLM_TIMEOUT"),
])
def test_bad_settings_name_the_variable(env, names):
    with pytest.raises(UsageError, match=re.escape(names)):
        answerer_from_settings(Segmenter(), env)
