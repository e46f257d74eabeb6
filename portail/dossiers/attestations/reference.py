"""Verification references: random, so that nobody can make one up for a document the Caf never issued.

A reference reads ATT-XXXX-XXXX-XXXX in the base32 alphabet (A–Z, 2–7): 60 random bits, looked up in
`IssuedAttestation`. Typed back, it is forgiving about case, spaces, dashes and the digits people read for
the letters O, I and B.
"""
import base64
import re
import secrets

PREFIX = "ATT"
_CODE_RE = re.compile(r"^[A-Z2-7]{12}$")
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def new_reference() -> str:
    code = base64.b32encode(secrets.token_bytes(8)).decode()[:12]
    return f"{PREFIX}-{code[:4]}-{code[4:8]}-{code[8:12]}"


def normalize_reference(text: str) -> str | None:
    """The canonical form of a typed reference, or None when it cannot be one."""
    compact = re.sub(r"[\s\-–—.]", "", (text or "")[:60]).upper()
    if compact.startswith(PREFIX):
        compact = compact[len(PREFIX):]
    compact = compact.translate(_LOOKALIKES)
    if not _CODE_RE.fullmatch(compact):
        return None
    return f"{PREFIX}-{compact[:4]}-{compact[4:8]}-{compact[8:12]}"
