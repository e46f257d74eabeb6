"""Attestations de paiement et de droits: their content, tagged PDF, random verification references."""
from .content import content_digest, payments_context, rights_context
from .forms import AttestationForm, PostForm, default_period
from .pdf import render_pdf
from .reference import new_reference, normalize_reference

__all__ = ["AttestationForm", "PostForm", "content_digest", "default_period", "new_reference", "normalize_reference",
           "payments_context", "render_pdf", "rights_context"]
