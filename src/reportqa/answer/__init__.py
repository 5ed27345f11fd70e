"""Answerers: turn retrieved passages into an answer with citations, or refuse."""

from .base import NOT_FOUND, Answerer, not_found
from .extractive import ExtractiveAnswerer
from .verify import check, unsupported_claims

__all__ = ["NOT_FOUND", "Answerer", "ExtractiveAnswerer", "check", "not_found", "unsupported_claims"]
