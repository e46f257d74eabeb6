"""Supervision models: the convention's documents and the daily usage counters."""
from .documents import Document, document_path
from .usage import UsageCounter, UsageCursor

__all__ = ["Document", "document_path", "UsageCounter", "UsageCursor"]
