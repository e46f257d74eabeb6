from pathlib import Path

import django_filters
from django import forms

from portail.core.forms import PortalForm

from .models import Message

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
PDF_CONTENT_TYPES = {"application/pdf", "application/x-pdf"}


def check_pdf(upload) -> None:
    """A real PDF of at most 5 Mo: name, declared type and the file's first bytes must all agree."""
    if upload.size == 0:
        raise forms.ValidationError("Le fichier joint est vide.")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise forms.ValidationError(
            "Le fichier joint dépasse la taille maximale de 5 Mo (%(size)s Mo).",
            params={"size": f"{upload.size / 1024 / 1024:.1f}".replace(".", ",")},
        )
    if Path(upload.name).suffix.lower() != ".pdf" or upload.content_type not in PDF_CONTENT_TYPES:
        raise forms.ValidationError("Le fichier joint doit être un document PDF (extension .pdf).")
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise forms.ValidationError("Le fichier joint n'est pas un vrai document PDF : son contenu ne correspond pas.")


class MessageForm(PortalForm):
    subject = forms.CharField(label="Objet", max_length=150, help_text="En quelques mots, l'objet de votre demande.")
    body = forms.CharField(
        label="Message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="5 000 caractères au maximum. N'indiquez que ce qui est utile au traitement de votre demande.",
    )
    attachment = forms.FileField(
        label="Pièce jointe (facultative)",
        required=False,
        help_text="Un seul fichier au format PDF, de 5 Mo au maximum.",
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={
            "empty": "Le fichier joint est vide.",
            "invalid": "Le fichier joint n'a pas pu être lu : choisissez-le à nouveau.",
            "missing": "Le fichier joint n'a pas pu être lu : choisissez-le à nouveau.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].error_messages["required"] = "Indiquez l'objet de votre message."
        self.fields["body"].error_messages["required"] = "Le message ne peut pas être vide."
        for name in ("subject", "body"):
            self.fields[name].error_messages["max_length"] = (
                "Ce texte est trop long : %(limit_value)d caractères au maximum (actuellement %(show_value)d)."
            )

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            check_pdf(upload)
        return upload


class AnswerForm(PortalForm):
    body = forms.CharField(label="Votre réponse", max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].error_messages["required"] = "La réponse ne peut pas être vide."


class InboxFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label="Statut", choices=Message.Status.choices, empty_label="Tous les statuts"
    )

    class Meta:
        model = Message
        fields = ["status"]
        form = PortalForm
