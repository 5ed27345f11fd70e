"""Milvus: connecting (Milvus Lite for a local ``.db`` file, a server for an ``http(s)://`` address),
the two collections of an index, and how jieba tokens reach Milvus's BM25.

``passages``: id, document id, the report's title and date, offsets, text, the row ids of its
sentences, content key, dense vector, and ``tokens`` → ``sparse`` through Milvus's own BM25 function. ``sentences``: id, offsets,
content key and vector (read by id when a question's passages are reranked; never searched).

Milvus analyses text with its own tokenizers, not jieba with reportqa's user dictionary. So each
jieba token is written as a short hex word (``t`` + 12 hex digits of its hash): the ``standard``
analyzer keeps such a word whole, and BM25 then counts exactly reportqa's tokens, with Milvus keeping
N, average length and document frequencies over the rows it holds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ...errors import IndexUnavailableError, UsageError

TEXT_MAX = 65_535  # Milvus's longest VARCHAR, in bytes
MILVUS_HINT = "install it with: pip install 'reportqa[milvus]'"


def token_word(token: str) -> str:
    """The word Milvus indexes for one jieba token."""
    return "t" + hashlib.blake2b(token.encode("utf-8"), digest_size=6).hexdigest()


def token_text(tokens: list[str]) -> str:
    """Tokens as the text of the analysed ``tokens`` field."""
    return fit_words(" ".join(token_word(t) for t in tokens))


def fit_words(words: str) -> str:
    """Space-separated words cut at a word boundary to Milvus's VARCHAR limit."""
    return words[:TEXT_MAX - 14].rsplit(" ", 1)[0] if len(words) > TEXT_MAX else words


def check_uri(uri: str) -> str:
    """``uri`` checked: a server address as given, or a Milvus Lite file (``.db``) as an absolute path."""
    if uri.startswith(("http://", "https://", "tcp://", "grpc://")):
        return uri
    path = Path(uri)
    if path.suffix != ".db":
        raise UsageError(f"--milvus-uri {uri!r}: give a Milvus Lite file ending in .db (e.g. index/milvus.db) "
                         "or a server address such as http://localhost:19530")
    return str(path.resolve())


def connect(uri: str, token: str | None = None) -> Any:
    """A ``MilvusClient`` for a checked ``uri``: a ``.db`` file runs Milvus Lite inside this process,
    ``http(s)://host:19530`` reaches a server."""
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise UsageError(f"--store milvus needs the pymilvus package; {MILVUS_HINT}") from None
    lite = uri.endswith(".db")
    if lite:
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        return MilvusClient(uri=uri, token=token or "")
    except Exception as exc:  # pymilvus raises its own and grpc's errors
        where = "Milvus Lite (is another reportqa process using this file?)" if lite else "the Milvus server"
        raise IndexUnavailableError(f"cannot open {where} at {uri} ({_short(exc)}); check --milvus-uri "
                                    f"and REPORTQA_MILVUS_TOKEN, or {MILVUS_HINT}") from exc


def release_lite(uri: str) -> None:
    """Stop this process's Milvus Lite server for the file ``uri`` (nothing for a server address)."""
    if uri.endswith(".db"):
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(str(Path(uri).resolve()))


def create_collections(client: Any, names: tuple[str, str], dim: int) -> None:
    """Create the passage and sentence collections of an index (vectors of ``dim``) and load them."""
    from pymilvus import DataType, Function, FunctionType

    passages, sentences = names
    s = client.create_schema(auto_id=False)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("doc_id", DataType.VARCHAR, max_length=4096)
    s.add_field("title", DataType.VARCHAR, max_length=1024)
    s.add_field("date", DataType.VARCHAR, max_length=32)
    for name in ("ordinal", "start", "end", "sent_first", "sent_last"):
        s.add_field(name, DataType.INT64)
    s.add_field("key", DataType.VARCHAR, max_length=32)
    s.add_field("text", DataType.VARCHAR, max_length=TEXT_MAX)
    s.add_field("tokens", DataType.VARCHAR, max_length=TEXT_MAX, enable_analyzer=True,
                analyzer_params={"tokenizer": "standard"})
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    s.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["tokens"],
                            output_field_names=["sparse"]))
    idx = client.prepare_index_params()
    idx.add_index("vector", index_type="FLAT", metric_type="IP")
    idx.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection(passages, schema=s, index_params=idx, consistency_level="Strong")
    s = client.create_schema(auto_id=False)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("start", DataType.INT64)
    s.add_field("end", DataType.INT64)
    s.add_field("key", DataType.VARCHAR, max_length=32)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    idx = client.prepare_index_params()
    idx.add_index("vector", index_type="FLAT", metric_type="IP")
    client.create_collection(sentences, schema=s, index_params=idx, consistency_level="Strong")


def _short(exc: Exception) -> str:
    return (getattr(exc, "message", None) or str(exc) or type(exc).__name__).splitlines()[0][:300]
