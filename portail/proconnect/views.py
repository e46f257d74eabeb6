"""ProConnect pages: start a sign-in or a link, the provider's return, « Mon compte », the provider's logout return.

A ProConnect identity signs in only when it is linked to an open portal account; the person links it
once, signed in, from « Mon compte » (the flow returns here and he confirms). Every refusal is
journaled (PROCONNECT_REFUSED) and explained in French.
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portail.accounts import signin
from portail.accounts.lockout import code_step_allowed
from portail.accounts.reauth import require_recent_auth
from portail.accounts.second_factor import has_second_factor, must_use_code
from portail.core import clock
from portail.core.errors import BusinessError
from portail.core.requests import client_ip
from portail.journal import events

from . import client
from .client import FLOW_KEY, ID_TOKEN_KEY, LOGOUT_STATE_KEY, Identity, ProConnectError
from .models import ProConnectLink
from .services import proconnect_link, proconnect_unlink, proconnect_used

PORTAL_BACKEND = "portail.accounts.backends.PortalBackend"
LINK_PENDING_KEY = "proconnect_link_pending"  # an identity back from ProConnect, awaiting the user's « Lier »
LINK_PENDING_SECONDS = 10 * 60

UNLINKED = ("Aucun compte du portail n'est lié à cette identité ProConnect. Connectez-vous une première fois avec "
            "votre identifiant et votre mot de passe, puis, dans « Mon compte », choisissez « Lier mon identité "
            "ProConnect ». Le portail ne crée pas de compte : c'est l'administrateur de votre convention qui vous "
            "en ouvre un.")
NOT_OPEN = ("Votre compte du portail n'est pas ouvert (clos, suspendu ou arrivé à sa date de clôture) : la "
            "connexion est refusée. Adressez-vous à l'administrateur de votre convention.")
OTHER_SESSION = ("La liaison avec ProConnect doit se terminer dans la session qui l'a demandée. Connectez-vous, "
                 "puis recommencez depuis « Mon compte ».")


def _safe_next(request) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _refused(request, *, reason: str, text: str, user=None, identity: Identity | None = None, detail: str = "",
             status: int = 403):
    if reason != "disabled":  # nothing to trace when the portal offers no ProConnect at all
        events.proconnect_refused(reason=reason, user=user, subject=identity.subject if identity else "",
                                  email=identity.email if identity else "", detail=detail, ip=client_ip(request))
    return render(request, "proconnect/refused.html", {"title": "Connexion avec ProConnect refusée", "text": text},
                  status=status)


def _start(request, *, purpose: str, user_id=None, next_url=""):
    try:
        return client.authorize_redirect(request, purpose=purpose, user_id=user_id, next_url=next_url)
    except ProConnectError as error:
        return _refused(request, reason=error.reason, text=error.text, detail=error.detail, status=503)


@require_POST
def login_start(request):
    """« S'identifier avec ProConnect » on the login page."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    return _start(request, purpose="login", next_url=_safe_next(request))


@require_POST
@login_required
def link_start(request):
    """« Lier mon identité ProConnect » (Mon compte): a recent authentication first, then ProConnect."""
    if not client.enabled():
        error = ProConnectError("disabled")
        return _refused(request, reason=error.reason, text=error.text, status=503)
    return _link_start(request)


@require_recent_auth
def _link_start(request):
    if ProConnectLink.objects.filter(user=request.user).exists():
        messages.info(request, "Votre compte est déjà lié à une identité ProConnect.")
        return redirect("proconnect:account")
    return _start(request, purpose="link", user_id=request.user.pk)


@require_GET
def callback(request):
    """The provider's return (redirect URI): check everything, then sign in, or ask to confirm the link."""
    flows = request.session.get(FLOW_KEY) or {}
    flow = flows.pop(request.GET.get("state", ""), None)
    request.session[FLOW_KEY] = flows
    try:
        identity = client.finish(request)
    except ProConnectError as error:
        return _refused(request, reason=error.reason, text=error.text, detail=error.detail)
    if flow is None:  # Authlib knew the state but we did not: refuse rather than guess the purpose
        return _refused(request, reason="state", text=ProConnectError("state").text, identity=identity)
    if flow["purpose"] == "link":
        return _link_returned(request, flow, identity)
    return _sign_in(request, flow, identity)


def _sign_in(request, flow: dict, identity: Identity):
    link = (ProConnectLink.objects.select_related("user")
            .filter(issuer=identity.issuer, subject=identity.subject).first())
    if link is None:
        return _refused(request, reason="unlinked", text=UNLINKED, identity=identity)
    user = link.user
    if not user.is_open:
        return _refused(request, reason="closed", text=NOT_OPEN, user=user, identity=identity)
    if not code_step_allowed(request, user):
        events.proconnect_refused(reason="locked", user=user, subject=identity.subject, email=identity.email,
                                  ip=client_ip(request))
        return render(request, "accounts/login.html")  # replaced by the lockout page (axes middleware)
    user.backend = PORTAL_BACKEND
    mfa = identity.second_factor_asserted
    signin.start_pending(request, user, next_url=flow.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL),
                         via={"method": "proconnect", "mfa": mfa, "acr": identity.acr},
                         keep={ID_TOKEN_KEY: identity.id_token})
    proconnect_used(link=link)
    if mfa or not must_use_code(user):
        signin.complete_sign_in(request, user, verified=mfa)
        return redirect(signin.next_url(request))
    # The provider asserted no second factor: the portal's own code step follows, as after a password.
    return redirect("accounts:second_factor" if has_second_factor(user) else "accounts:second_factor_enrol")


def _link_returned(request, flow: dict, identity: Identity):
    if not request.user.is_authenticated or request.user.pk != flow.get("user"):
        return _refused(request, reason="other_user", text=OTHER_SESSION, identity=identity)
    request.session[LINK_PENDING_KEY] = {
        "issuer": identity.issuer, "subject": identity.subject, "email": identity.email,
        "given_name": identity.given_name, "usual_name": identity.usual_name, "at": clock.now().timestamp()}
    return redirect("proconnect:link_confirm")


def _pending_link(request) -> Identity | None:
    data = request.session.get(LINK_PENDING_KEY)
    if not data or not 0 <= clock.now().timestamp() - data["at"] <= LINK_PENDING_SECONDS:
        return None
    return Identity(issuer=data["issuer"], subject=data["subject"], email=data["email"],
                    given_name=data["given_name"], usual_name=data["usual_name"])


@login_required
@require_http_methods(["GET", "POST"])
def link_confirm(request):
    """« Lier cette identité à mon compte » : the identity back from ProConnect, confirmed once by its owner."""
    identity = _pending_link(request)
    if identity is None:
        request.session.pop(LINK_PENDING_KEY, None)
        messages.info(request, "Aucune identité ProConnect n'attend d'être liée : recommencez depuis « Mon compte ».")
        return redirect("proconnect:account")
    if request.method == "POST":
        request.session.pop(LINK_PENDING_KEY, None)
        if "cancel" in request.POST:
            messages.info(request, "Rien n'a été lié.")
            return redirect("proconnect:account")
        try:
            proconnect_link(actor=request.user, identity=identity, ip=client_ip(request))
        except BusinessError as error:
            messages.error(request, error.text)
        else:
            messages.success(request, "Votre identité ProConnect est liée à votre compte : vous pouvez désormais "
                                      "vous connecter avec ProConnect.")
        return redirect("proconnect:account")
    return render(request, "proconnect/link_confirm.html",
                  {"title": "Lier mon identité ProConnect", "identity": identity})


@login_required
@require_GET
def account(request):
    """« Mon compte »: who one is, and one's ProConnect link."""
    link = ProConnectLink.objects.filter(user=request.user).first()
    context = {"title": "Mon compte", "person": request.user, "link": link, "enabled": client.enabled(),
               "signed_in_with_proconnect": bool(request.session.get(ID_TOKEN_KEY))}
    return render(request, "proconnect/account.html", context)


@login_required
@require_POST
def unlink_self(request):
    if proconnect_unlink(actor=request.user, user=request.user, ip=client_ip(request)):
        messages.success(request, "Le lien avec votre identité ProConnect est retiré : connectez-vous désormais "
                                  "avec votre identifiant et votre mot de passe.")
    return redirect("proconnect:account")


@require_GET
def logged_out(request):
    """Where ProConnect sends the browser back after its own logout (post_logout_redirect_uri)."""
    expected = request.session.pop(LOGOUT_STATE_KEY, None)
    if expected and request.GET.get("state") == expected:
        messages.info(request, "Vous êtes déconnecté du portail et de ProConnect.")
    return redirect("accounts:login")
