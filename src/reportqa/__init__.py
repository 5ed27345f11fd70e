"""reportqa: question answering with verifiable citations over Chinese reports."""

__version__ = "0.4.0"
