from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.validators import ProhibitNullCharactersValidator

from portail.core.forms import PortalForm

from .models import User


class LoginForm(PortalForm, AuthenticationForm):
    username = forms.CharField(label="Identifiant", max_length=20, help_text="Exemple : AAAG0001",
                               widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(label="Mot de passe", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    error_messages = {
        "invalid_login": (
            "Identifiant ou mot de passe incorrect. Après 5 erreurs, le compte est bloqué temporairement."
        ),
        "inactive": "Ce compte n'est pas ouvert. Contactez le responsable des habilitations de votre organisation.",
    }


class ChoosePasswordForm(PortalForm, SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Nouveau mot de passe"
        self.fields["new_password1"].help_text = (
            "Au moins 12 caractères ; ni mot de passe courant, ni simple suite ou répétition, "
            "ni votre nom, prénom ou identifiant, ni l'un de vos 5 derniers mots de passe."
        )
        self.fields["new_password2"].label = "Confirmer le mot de passe"
        self.fields["new_password2"].help_text = ""


class ForgottenPasswordForm(PortalForm):
    """Any non-empty text is accepted: the answer must not tell whether an account exists."""

    login = forms.CharField(label="Identifiant ou adresse mail",
                            help_text="Exemple : AAAG0001 ou prenom.nom@exemple.fr",
                            widget=forms.TextInput(attrs={"autocomplete": "username"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A NUL is not a form error here (that would differ from « unknown »); get_users finds nobody.
        field = self.fields["login"]
        field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def get_users(self):
        """Open accounts matching the identifier or the address (the one-time link replaces any password)."""
        typed = self.cleaned_data["login"].strip()
        if not typed or len(typed) > 254 or any(not ch.isprintable() for ch in typed):
            return []
        if "@" in typed:
            users = User.objects.filter(email__iexact=typed, is_active=True)
        else:
            users = User.objects.filter(username__iexact=typed, is_active=True)
        return [user for user in users if user.is_open]


class CodeForm(PortalForm):
    """The second factor: the app's 6-digit code, or one of the recovery codes."""

    code = forms.CharField(
        label="Code de vérification", max_length=32,
        help_text="Le code à 6 chiffres affiché par votre application d'authentification, "
                  "ou l'un de vos codes de secours.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


class EnrolmentCodeForm(CodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "Code affiché par l'application"
        self.fields["code"].help_text = "6 chiffres, par exemple 123456. Le code change toutes les 30 secondes."
        self.fields["code"].widget.attrs["inputmode"] = "numeric"


class ReauthForm(PortalForm):
    """« Confirmer votre identité »: the password, and the code when the person has a second factor."""

    password = forms.CharField(label="Mot de passe", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password",
                                                                 "autofocus": True}))
    code = CodeForm.base_fields["code"]

    def __init__(self, *args, with_code: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_code:
            del self.fields["code"]
        else:
            self.fields["code"].widget.attrs.pop("autofocus", None)
