"""What a Milvus-backed index keeps in its local folder: one SQLite file holding the manifest, the
reports (metadata and cleaned text, one row per version), which version of each report is live, and
the document frequency of every indexed term (for the answerer's IDF and "never mentioned" checks).

A change writes its report rows under a new generation number first; :meth:`LocalState.publish`
switches the live map, the term counts and the manifest in one transaction. Readers keep answering
from the previous state until then (SQLite in WAL mode: readers never wait for the writer).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ...errors import CorruptIndexError
from ...types import Document

FILE = "milvus-local.sqlite"
DOC_FIELDS = ("doc_id", "title", "date", "source", "sha256", "encoding", "fmt", "note")
SCHEMA = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS docs (doc_id TEXT, gen INTEGER, title TEXT, date TEXT, source TEXT, sha256 TEXT,
    encoding TEXT, fmt TEXT, note TEXT, size INTEGER, mtime_ns INTEGER, chars INTEGER, text TEXT,
    p_first INTEGER, p_last INTEGER, s_first INTEGER, s_last INTEGER, terms TEXT,
    PRIMARY KEY (doc_id, gen));
CREATE TABLE IF NOT EXISTS live (doc_id TEXT PRIMARY KEY, gen INTEGER);
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, df INTEGER);
CREATE TABLE IF NOT EXISTS retired (doc_id TEXT, gen INTEGER, at INTEGER);
"""


@dataclass(frozen=True)
class Version:
    """One stored version of a report: its identity and the Milvus row ids of its passages and
    sentences (``[p_first, p_last)`` and ``[s_first, s_last)``)."""

    doc_id: str
    gen: int
    sha256: str
    size: int
    mtime_ns: int
    p_first: int
    p_last: int
    s_first: int
    s_last: int

    @property
    def passage_ids(self) -> range:
        return range(self.p_first, self.p_last)

    @property
    def sentence_ids(self) -> range:
        return range(self.s_first, self.s_last)


VERSION_COLS = "d.doc_id, d.gen, d.sha256, d.size, d.mtime_ns, d.p_first, d.p_last, d.s_first, d.s_last"


class LocalState:
    """The SQLite file beside a Milvus index (thread-safe; one connection guarded by a lock)."""

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._con = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise CorruptIndexError(f"{self.path} is unreadable ({exc}); remove it and rebuild with "
                                    "reportqa index --store milvus") from exc

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._con.execute(sql, args).fetchall()
            except sqlite3.DatabaseError as exc:
                raise CorruptIndexError(f"{self.path} is unreadable ({exc})") from exc

    def manifest(self) -> dict | None:
        """The published manifest, or None when nothing was published yet."""
        rows = self._rows("SELECT value FROM state WHERE key = 'manifest'")
        return json.loads(rows[0][0]) if rows else None

    def name(self) -> str:
        """This index's own collection-name prefix, chosen once (a server may hold many indexes)."""
        rows = self._rows("SELECT value FROM state WHERE key = 'prefix'")
        if rows:
            return rows[0][0]
        self._rows("INSERT OR IGNORE INTO state VALUES ('prefix', ?)", ("reportqa_" + uuid.uuid4().hex[:12],))
        return self._rows("SELECT value FROM state WHERE key = 'prefix'")[0][0]

    def live(self) -> dict[str, Version]:
        """doc id → its live version."""
        sql = f"SELECT {VERSION_COLS} FROM live l JOIN docs d ON d.doc_id = l.doc_id AND d.gen = l.gen"
        return {r[0]: Version(*r) for r in self._rows(sql)}

    def document(self, doc_id: str, gen: int) -> Document:
        """One version of a report, text included."""
        rows = self._rows(f"SELECT {', '.join(DOC_FIELDS)}, text FROM docs WHERE doc_id = ? AND gen = ?",
                          (doc_id, gen))
        if not rows:
            raise KeyError(doc_id)
        return Document(**dict(zip(DOC_FIELDS, rows[0][:-1])), text=rows[0][-1])

    def metas(self) -> list[dict]:
        """Metadata (with ``chars``) of every live report, without text."""
        cols = (*DOC_FIELDS, "chars")
        rows = self._rows(f"SELECT {', '.join('d.' + c for c in cols)} FROM live l "
                          "JOIN docs d ON d.doc_id = l.doc_id AND d.gen = l.gen ORDER BY d.doc_id")
        return [dict(zip(cols, r)) for r in rows]

    def df(self, terms: list[str]) -> dict[str, int]:
        """Document frequency of each of ``terms`` that the live passages hold."""
        out: dict[str, int] = {}
        for i in range(0, len(terms), 500):
            part = terms[i:i + 500]
            out.update(self._rows(f"SELECT term, df FROM terms WHERE term IN ({','.join('?' * len(part))})",
                                  tuple(part)))
        return out

    def vocabulary(self) -> list[str]:
        """Every term of the live passages."""
        return [r[0] for r in self._rows("SELECT term FROM terms")]

    def add_versions(self, gen: int, versions: list[tuple[Document, tuple[int, int], tuple[int, int, int, int],
                                                      Counter]]) -> None:
        """Store new versions of reports, each (report, (size, mtime_ns), its row id ranges, its term
        counts), in one transaction; not live until :meth:`publish`."""
        sql = "INSERT OR REPLACE INTO docs (gen, doc_id, title, date, source, sha256, encoding, fmt, note, " \
              "size, mtime_ns, chars, text, p_first, p_last, s_first, s_last, terms) VALUES (?" + ",?" * 17 + ")"
        rows = [(gen, *(getattr(doc, f) for f in DOC_FIELDS), *stat, len(doc.text), doc.text, *ids,
                 json.dumps(terms, ensure_ascii=False)) for doc, stat, ids, terms in versions]
        with self._lock:
            try:
                with self._con:  # one transaction
                    self._con.execute("BEGIN")
                    self._con.executemany(sql, rows)
            except sqlite3.DatabaseError as exc:
                raise CorruptIndexError(f"{self.path} is unreadable ({exc})") from exc

    def publish(self, gen: int, live: dict[str, int], removed: list[str], manifest: dict,
                replace: bool = False) -> list[Version]:
        """In one transaction: make ``live`` (doc id → generation) and drop ``removed``, move the term
        counts, record the manifest (with counts). ``replace``: forget every earlier version first (a
        full rebuild into new collections). Returns the versions it retired."""
        with self._lock:
            con = self._con
            con.execute("BEGIN IMMEDIATE")
            try:
                if replace:
                    for sql in ("DELETE FROM live", "DELETE FROM terms", "DELETE FROM retired"):
                        con.execute(sql)
                    con.execute("DELETE FROM docs WHERE gen < ?", (gen,))
                retired = _retire(con, gen, list(live) + removed)
                con.executemany("INSERT OR REPLACE INTO live VALUES (?, ?)", live.items())
                delta: Counter = Counter()
                for doc_id, g in live.items():
                    delta.update(_terms(con, doc_id, g))
                for v in retired:
                    delta.subtract(_terms(con, v.doc_id, v.gen))
                _apply_df(con, delta)
                docs, passages, sentences = con.execute(
                    "SELECT count(*), coalesce(sum(p_last - p_first), 0), coalesce(sum(s_last - s_first), 0) "
                    "FROM live l JOIN docs d ON d.doc_id = l.doc_id AND d.gen = l.gen").fetchone()
                manifest = {**manifest, "doc_count": docs, "chunk_count": passages, "sentence_count": sentences}
                con.execute("INSERT OR REPLACE INTO state VALUES ('manifest', ?)",
                            (json.dumps(manifest, ensure_ascii=False),))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return retired

    def retired(self) -> list[Version]:
        """Versions replaced by a published change whose text is still kept."""
        return [Version(*r) for r in self._rows(
            f"SELECT {VERSION_COLS} FROM retired r JOIN docs d ON d.doc_id = r.doc_id AND d.gen = r.gen")]

    def forget(self, before: int) -> None:
        """Delete the text of versions retired by a generation older than ``before`` (a reader still
        answering from the generation before the newest may need the newest-retired ones)."""
        self._rows("DELETE FROM docs WHERE EXISTS (SELECT 1 FROM retired r WHERE r.doc_id = docs.doc_id "
                   "AND r.gen = docs.gen AND r.at < ?)", (before,))
        self._rows("DELETE FROM retired WHERE at < ?", (before,))

    def drop_unpublished(self, after: int) -> None:
        """Delete report rows of generations newer than ``after`` (left by a failed change)."""
        self._rows("DELETE FROM docs WHERE gen > ?", (after,))

    def close(self) -> None:
        with self._lock:
            self._con.close()


def _terms(con: sqlite3.Connection, doc_id: str, gen: int) -> dict[str, int]:
    row = con.execute("SELECT terms FROM docs WHERE doc_id = ? AND gen = ?", (doc_id, gen)).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def _retire(con: sqlite3.Connection, gen: int, doc_ids: list[str]) -> list[Version]:
    """Take ``doc_ids`` out of the live map, recording their versions as retired at ``gen``."""
    out = []
    for doc_id in doc_ids:
        row = con.execute(f"SELECT {VERSION_COLS} FROM live l JOIN docs d ON d.doc_id = l.doc_id "
                          "AND d.gen = l.gen WHERE l.doc_id = ?", (doc_id,)).fetchone()
        if row:
            out.append(Version(*row))
            con.execute("DELETE FROM live WHERE doc_id = ?", (doc_id,))
            con.execute("INSERT INTO retired VALUES (?, ?, ?)", (doc_id, row[1], gen))
    return out


def _apply_df(con: sqlite3.Connection, delta: Counter) -> None:
    con.executemany("INSERT INTO terms VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
                    ((t, n) for t, n in delta.items() if n))
    con.execute("DELETE FROM terms WHERE df <= 0")

