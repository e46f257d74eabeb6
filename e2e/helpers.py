"""Helpers for browser walkthroughs: log in, check accessibility with axe-core, keep screenshots.

Every page a walkthrough reaches goes through `check(page, name)`: an axe-core audit (no violation
allowed) and a full-page screenshot in e2e/screenshots/ for people to look at.
"""
import os
import re
import time
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page, expect

from portail.demo.data import DEMO_PASSWORD

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# E2E_SCREENSHOTS=0 (continuous integration, where nobody looks at them) skips the screenshots, not the audits.
TAKE_SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "1") != "0"

# Rules of axe-core run on every page: everything axe knows (WCAG 2.x A/AA and best practices).
AXE_OPTIONS = {"resultTypes": ["violations"]}

_axe = Axe()

__all__ = ["DEMO_PASSWORD", "axe_check", "check", "current_code", "expect", "field", "login", "tick", "logout", "menu", "row", "shot", "url"]


def url(name: str, *args, **kwargs) -> str:
    """Path of a named URL; the page's context has the live server as base URL."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def field(page: Page, label: str):
    """The form control whose label starts with `label` (labels also carry their hint text)."""
    return page.get_by_label(re.compile(r"^\s*" + re.escape(label), re.IGNORECASE))


def tick(page: Page, label: str) -> None:
    """Check a DSFR checkbox or radio button by clicking its label, as a person does (the input is drawn over)."""
    control = field(page, label)
    page.locator(f'label[for="{control.get_attribute("id")}"]').click()
    expect(control).to_be_checked()


def menu(page: Page, label: str) -> None:
    """Click an entry of the left menu (« Dans le menu de gauche, cliquez sur … »)."""
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name=label, exact=True).click()


def row(page: Page, text: str, *, table=None):
    """The table row with a cell reading exactly `text`."""
    scope = table or page
    return scope.get_by_role("row").filter(has=page.get_by_role("cell", name=text, exact=True))


def login(page: Page, username: str, password: str = DEMO_PASSWORD, *, expect_success: bool = True) -> None:
    """Fill the login form as a person would; by default wait for the welcome page."""
    page.goto(url("accounts:login"))
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    if expect_success:
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text(re.compile("Bienvenue|Code de vérification"))
        if "Code de vérification" in heading.inner_text():
            page.get_by_label("Code de vérification").fill(current_code(username))
            page.get_by_role("button", name="Valider le code").click()
        expect(heading).to_contain_text("Bienvenue")


def current_code(username: str) -> str:
    """The code the person's authenticator app shows now, computed from his device in the database.
    A code is accepted once per 30-second step (one step ahead is tolerated): if this step's code and
    the next one were already used, wait for the following step rather than replay one."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    while True:
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        t = max(totp.t(), device.last_t + 1)
        if t <= totp.t() + device.tolerance:
            totp.time = device.t0 + (t - device.drift) * device.step
            return f"{totp.token():0{device.digits}d}"
        time.sleep(device.step - totp.time % device.step + 0.1)


def logout(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à Mon Compte Partenaire")


def _format_violations(violations: list[dict], where: str) -> str:
    lines = [f"axe-core : {len(violations)} violation(s) d'accessibilité sur {where}"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}) : {violation['help']} — {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            html = re.sub(r"\s+", " ", node.get("html", ""))[:200]
            lines.append(f"    at {target}: {html}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"       {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


# No finite CSS transition or animation still running (an endless one, a spinner, is left to run).
_SETTLED = """() => document.getAnimations().every(
    a => a.playState !== "running" || a.effect?.getComputedTiming().iterations === Infinity)"""


def axe_check(page: Page, *, context=None) -> None:
    """Inject axe-core (shipped in the axe-playwright-python wheel: no network) and fail on any violation."""
    page.wait_for_load_state("load")
    # A dialog or menu still fading in has its text at part opacity: audited then, its contrast is the fade's.
    page.wait_for_function(_SETTLED, timeout=5_000)
    results = _axe.run(page, context=context, options=AXE_OPTIONS)
    violations = results.response["violations"]
    assert not violations, _format_violations(violations, page.url)
    errors = getattr(page, "portal_errors", [])
    assert not errors, "Erreurs dans la page (CSP, JavaScript) :\n" + "\n".join(errors)


def shot(page: Page, name: str) -> Path | None:
    """Save a full-page screenshot as e2e/screenshots/<name>.png (the folder is not versioned)."""
    if not TAKE_SCREENSHOTS:
        return None
    SCREENSHOTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    path = SCREENSHOTS / f"{safe}.png"
    # caret="initial": hiding the caret puts a style attribute on inputs, which DSFR's header script may copy
    # into the mobile menu, where the Content Security Policy (rightly) refuses it.
    page.screenshot(path=str(path), full_page=True, caret="initial")
    return path


def check(page: Page, name: str) -> None:
    """One step of a walkthrough: screenshot for people, then axe-core audit."""
    shot(page, name)
    axe_check(page)
