"""HTML → tagged PDF (PDF/UA-1: structure tags, title and language for screen readers)."""
from django.template.loader import render_to_string
from weasyprint import HTML

TEMPLATES = {"paiement": "dossiers/attestation_paiement_pdf.html", "droits": "dossiers/attestation_droits_pdf.html"}


def render_pdf(context: dict) -> bytes:
    html = render_to_string(TEMPLATES[str(context["kind"])], context)
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
