"""Second factor in the browser: the first sign-in of an administrator goes through enrolment."""
import base64
import re
import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from e2e.helpers import DEMO_PASSWORD, check, current_code, expect, url


def _code_from_secret(secret: str) -> str:
    """What the person's authenticator app shows for the secret read on the page."""
    raw = secret.replace(" ", "")
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    totp = TOTP(key)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_first_sign_in_of_an_administrator_through_enrolment(page, demo):
    TOTPDevice.objects.filter(user__username="DEMO0001").delete()  # as after a reset: not enrolled yet
    page.goto(url("accounts:login"))
    page.get_by_label("Identifiant").fill("DEMO0001")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Activer la double authentification")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    check(page, "second-facteur-activation")
    secret = page.locator("#secret").inner_text()
    page.get_by_label("Code affiché par l'application").fill("000000" if _code_from_secret(secret) != "000000"
                                                             else "111111")
    page.get_by_role("button", name="Activer").click()
    expect(page.locator("#id_code-desc-error")).to_contain_text("Code incorrect ou déjà utilisé")
    check(page, "second-facteur-activation-code-faux")
    page.wait_for_timeout(1100)  # after a wrong code, the next one is checked after 1 second (django-otp)

    page.get_by_label("Code affiché par l'application").fill(_code_from_secret(secret))
    page.get_by_role("button", name="Activer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos codes de secours")
    assert page.get_by_role("list", name="Codes de secours").get_by_role("listitem").count() == 10
    check(page, "second-facteur-codes-de-secours")
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bienvenue")

    # Next time, the code step.
    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(url("accounts:login"))
    page.get_by_label("Identifiant").fill("DEMO0001")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Code de vérification")
    check(page, "second-facteur-code")
    page.get_by_label("Code de vérification").fill(current_code("DEMO0001"))
    page.get_by_role("button", name="Valider le code").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bienvenue")
