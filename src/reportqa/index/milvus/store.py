"""A Milvus-backed index: passages, sentences, vectors and BM25 in Milvus (Milvus Lite or a server),
reports and the manifest in the local folder. Same verbs as the folder store: lock, open, writing,
publish."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...errors import CorruptIndexError, IndexMissingError, IndexUnavailableError, IndexWriteError
from ..snapshot import check_compatible, folder_lock, write_error
from .local import FILE, LocalState, Version
from .reader import MilvusIndex
from .schema import check_uri, connect, release_lite
from .writer import MilvusWriter

INDEX_COMMAND = "reportqa index --store milvus --index {root} --corpus DIR"


class MilvusStore:
    """Owns one index's collections in Milvus and its local folder."""

    kind = "milvus"

    def __init__(self, root: Path, uri: str, token: str | None = None) -> None:
        self.root, self.uri, self.token = Path(root), check_uri(uri), token
        self._client: Any = None
        self._local: LocalState | None = None

    @property
    def prefix(self) -> str:
        """The start of this index's collection names (recorded in the local file)."""
        return self.local().name()

    def client(self) -> Any:
        """The Milvus client, connected on first use."""
        if self._client is None:
            self._client = connect(self.uri, self.token)
        return self._client

    def local(self) -> LocalState:
        """The local SQLite file, opened on first use."""
        if self._local is None:
            self._local = LocalState(self.root)
        return self._local

    def close(self) -> None:
        """Disconnect; a Milvus Lite file is released for other processes."""
        if self._client is not None:
            self._client.close()
            self._client = None
            release_lite(self.uri)
        if self._local is not None:
            self._local.close()
            self._local = None

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """Exclusive build lock (one writer at a time; readers never wait)."""
        return folder_lock(self.root)

    def open(self, expect: dict[str, str] | None = None) -> MilvusIndex:
        """The published state, checked against ``expect``; its collections loaded for search."""
        manifest = self.local().manifest() if (self.root / FILE).exists() else None
        if manifest is None:
            raise IndexMissingError(f"no Milvus index at {self.root}; build one with: "
                                    + INDEX_COMMAND.format(root=self.root))
        check_compatible(manifest, expect or {}, self.root)
        client = self.client()
        for name in manifest["collections"]:
            try:
                client.load_collection(name)
            except Exception as exc:  # missing collection, server gone
                raise IndexUnavailableError(
                    f"Milvus at {self.uri} lacks the collection {name} of the index at {self.root} "
                    f"({str(exc).splitlines()[0][:200]}); pass the --milvus-uri it was built with, or rebuild "
                    "with: " + INDEX_COMMAND.format(root=self.root)) from exc
        return MilvusIndex(client, self.local(), manifest, self.local().live())

    @contextlib.contextmanager
    def writing(self, previous: MilvusIndex | None) -> Iterator[MilvusWriter]:
        """A writer for one change; what it inserted is removed again if the change fails."""
        self._tidy()
        writer = MilvusWriter(self, previous)
        try:
            yield writer
        except BaseException as exc:
            writer.abort()
            if isinstance(exc, OSError):
                raise IndexWriteError(write_error(self.root, exc)) from exc
            if type(exc).__module__.startswith(("pymilvus", "grpc")):
                raise IndexUnavailableError(f"Milvus at {self.uri} failed during the change ({exc}); the "
                                            "change was taken back and the previous index still answers. "
                                            "Check that Milvus is up, then run reportqa index again") from exc
            raise

    def publish(self, writer: MilvusWriter, manifest: dict) -> dict:
        """Switch the live map to ``writer``'s change, then delete the versions it replaced from Milvus."""
        try:
            retired = self.local().publish(writer.gen, writer.added, writer.removed, manifest, writer.replace)
        except Exception as exc:
            writer.abort()
            raise CorruptIndexError(f"could not record the change in {self.local().path} ({exc}); the "
                                    "previous index still answers") from exc
        if writer.replace:
            self._drop_others(keep=writer.collections)
        else:
            self._delete(writer.collections, retired)
        return {**self.local().manifest(), "snapshot": f"gen-{writer.gen}"}

    def _delete(self, collections: tuple[str, str], versions: list[Version]) -> None:
        """Delete the rows of ``versions`` (deleting rows already gone does nothing)."""
        for name, ids in ((collections[0], [i for v in versions for i in v.passage_ids]),
                          (collections[1], [i for v in versions for i in v.sentence_ids])):
            for a in range(0, len(ids), 10_000):
                self.client().delete(name, ids=ids[a:a + 10_000])

    def drop_after(self, gen: int, collections: tuple[str, str], drop: bool) -> None:
        """Remove rows of generations after ``gen`` (or the whole ``collections`` when ``drop``)."""
        client = self.client()
        with contextlib.suppress(Exception):
            for name in collections:
                if drop:
                    client.drop_collection(name)
                elif client.has_collection(name):
                    client.delete(name, filter=f"id >= {(gen + 1) << 32}")
        self.local().drop_unpublished(gen)

    def _tidy(self) -> None:
        """Before a change: remove what a failed earlier change left (its rows, or the replaced rows a
        published change did not get to delete), and text retired two changes ago."""
        manifest = self.local().manifest()
        if manifest is None:
            self._drop_others(keep=())
            return
        self.drop_after(int(manifest["gen"]), tuple(manifest["collections"]), drop=False)
        self._delete(tuple(manifest["collections"]), self.local().retired())  # if publishing stopped short
        self._drop_others(keep=tuple(manifest["collections"]))
        self.local().forget(before=int(manifest["gen"]))

    def _drop_others(self, keep: tuple[str, ...]) -> None:
        """Drop this index's collections that ``keep`` does not name."""
        client = self.client()
        for name in client.list_collections():
            if name.startswith(self.prefix + "_") and name not in keep:
                client.drop_collection(name)
