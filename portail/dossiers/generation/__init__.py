"""Deterministic generator of coherent allocataire files (Faker fr_FR names, published scales).

scales (barèmes per period) → formulas (monthly amounts) → household (timeline) → housing →
benefits (rights month by month) → debts, rsa, letters → build (one file) → writer (the interchange
format, loaded through portail/dossiers/loading like a Caf's extract).
"""
from .build import Built, build_dossier
from .pools import Pools, dossier_number
from .writer import Report, built_files, extract_lines, file_lines, generate_dossiers

__all__ = ["Built", "Pools", "Report", "build_dossier", "built_files", "dossier_number", "extract_lines",
           "file_lines", "generate_dossiers"]
