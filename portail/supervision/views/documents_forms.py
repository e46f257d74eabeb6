"""The Caf's upload form of « Consulter documents »: a real PDF of 10 Mo at most, a title, a kind."""
import io
from pathlib import Path

from django import forms
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from portail.core.forms import PortalForm

from ..models import Document

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
PDF_CONTENT_TYPES = {"application/pdf", "application/x-pdf"}


def check_pdf_document(upload) -> None:
    """Size, name, first bytes, and a parse of the file that must find at least one page."""
    if upload.size == 0:
        raise forms.ValidationError("Le fichier est vide.")
    if upload.size > MAX_DOCUMENT_BYTES:
        size = f"{upload.size / 1024 / 1024:.1f}".replace(".", ",")
        raise forms.ValidationError(f"Le fichier dépasse la taille maximale de 10 Mo ({size} Mo).")
    if Path(upload.name).suffix.lower() != ".pdf" or upload.content_type not in PDF_CONTENT_TYPES:
        raise forms.ValidationError("Le fichier doit être un document PDF (extension .pdf).")
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    if not content.startswith(b"%PDF-"):
        raise forms.ValidationError("Ce fichier n'est pas un vrai document PDF : son contenu ne correspond pas.")
    try:
        pages = len(PdfReader(io.BytesIO(content)).pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
        pages = 0
    if pages < 1:
        raise forms.ValidationError("Ce document PDF est endommagé ou illisible : enregistrez-le à nouveau en PDF.")


class DocumentForm(PortalForm):
    kind = forms.ChoiceField(label="Type de document", choices=[("", "Choisir un type")] + Document.Kind.choices)
    title = forms.CharField(label="Titre", max_length=150,
                            help_text="Tel que les partenaires le verront, par exemple « Convention signée 2026 ».")
    file = forms.FileField(
        label="Fichier",
        help_text="Un document au format PDF, de 10 Mo au maximum.",
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={"required": "Choisissez le fichier à déposer.", "empty": "Le fichier est vide.",
                        "invalid": "Le fichier n'a pas pu être lu : choisissez-le à nouveau.",
                        "missing": "Le fichier n'a pas pu être lu : choisissez-le à nouveau."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].error_messages["required"] = "Indiquez le titre du document."
        self.fields["title"].error_messages["max_length"] = "Le titre est trop long : 150 caractères au maximum."
        self.fields["kind"].error_messages["required"] = "Choisissez le type de document."
        self.fields["file"].error_messages["required"] = "Choisissez le fichier à déposer."

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            check_pdf_document(upload)
        return upload
