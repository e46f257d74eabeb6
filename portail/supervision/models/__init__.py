"""Supervision models: the convention's documents and the usage counters."""
from .documents import Document, document_path
from .usage import UsageTotal, UsageCursor

__all__ = ["Document", "document_path", "UsageTotal", "UsageCursor"]
