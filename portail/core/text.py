"""One check for every free text a service stores: forms already refuse these, services must too."""
import unicodedata

from .errors import BusinessError


def clean_text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    """`value` stripped, or a BusinessError (French, on `field`): empty, too long, NUL or control characters.

    Line breaks and tabs are allowed; other control characters (category Cc) are not, as no one types them
    and PostgreSQL refuses NUL outright.
    """
    text = (value or "").strip()
    if required and not text:
        raise BusinessError("Ce champ est obligatoire.", field=field)
    if len(text) > max_length:
        raise BusinessError(f"Ce texte est trop long : {max_length} caractères au maximum.", field=field)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
        raise BusinessError("Ce texte contient des caractères non autorisés.", field=field)
    return text
