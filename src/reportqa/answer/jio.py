"""jionlp, imported once and quietly: it prints a banner on stdout at import (which would corrupt
``--json`` output) and logs a traceback through the root logger for every string its time parser
gives up on."""

from __future__ import annotations

import contextlib
import functools
import io
import logging
from types import ModuleType


class _DropJionlp(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "jionlp" not in record.pathname and "jiojio" not in record.pathname


@functools.lru_cache(maxsize=1)
def jionlp() -> ModuleType:
    """The jionlp module (about 0.4 s to import the first time)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp as module
    logging.getLogger().addFilter(_DropJionlp())
    return module
