"""Typed errors. Every message names the value at fault and the fix."""


class ReportQAError(Exception):
    """Base class; the CLI and UI turn these into clean messages."""


class IngestError(ReportQAError):
    """A report could not be read or cleaned (the file is named in the message)."""


class ModelError(ReportQAError):
    """The embedding model could not be found, converted or loaded."""


class IndexMissingError(ReportQAError):
    """No index has been built at the given path."""


class IndexMismatchError(ReportQAError):
    """The index was built with another model, segmenter or format version."""


class CorruptIndexError(ReportQAError):
    """An index file is missing or its checksum does not match the manifest."""


class IndexWriteError(ReportQAError):
    """A new snapshot could not be written (disk full, no permission); the live one is kept."""


class UsageError(ReportQAError):
    """A bad argument or input from the user."""


class IndexUnavailableError(ReportQAError):
    """The index's engine (a Milvus server or Milvus Lite file) cannot be reached or opened."""
