"""Feeding allocataire files: the interchange format « portail-dossiers/2 » (JSON Lines, docs/dossiers-format.md),
its validation and its bulk load (`manage.py dossiers_load`). The generator writes the same format."""
from .extract import close_record, dumps, file_record, header_line
from .load import ExtractRefused, LoadReport, load_lines
from .schema import FORMAT, json_schema

__all__ = ["FORMAT", "ExtractRefused", "LoadReport", "close_record", "dumps", "file_record", "header_line",
           "json_schema", "load_lines"]
