"""The ProConnect client: OpenID Connect authorization code flow with PKCE, `state` and `nonce` (Authlib).

Everything comes from the settings (PROCONNECT_*): the discovery document gives the endpoints and
the JWKS, Authlib checks the ID token (signature against the provider's keys, `iss`, `aud`, `exp`,
`nonce`) and keeps `state`, `nonce` and the PKCE verifier in the session, once: a callback replayed
with the same `state` finds nothing and is refused. The provider refuses a code used twice.
"""
import functools
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.urls import reverse
from joserfc import jwt
from joserfc.errors import JoseError as JoseRfcError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

NAME = "proconnect"
FLOW_KEY = "proconnect_flows"  # per `state`: purpose of a flow under way (sign in, or link to the signed-in account)
FLOWS_KEPT = 5
ID_TOKEN_KEY = "proconnect_id_token"  # in a session opened through ProConnect: for the provider's logout
LOGOUT_STATE_KEY = "proconnect_logout_state"


class ProConnectError(Exception):
    """The flow failed; `reason` is journaled, `text` shown."""

    TEXTS = {
        "state": "La réponse de ProConnect ne correspond à aucune demande de connexion en cours (lien déjà "
                 "utilisé, ou demande expirée). Recommencez depuis la page de connexion.",
        "provider": "ProConnect n'a pas pu vous identifier.",
        "token": "ProConnect a refusé de confirmer votre identité (code déjà utilisé ou expiré). Recommencez.",
        "id_token": "La réponse de ProConnect n'a pas pu être vérifiée (signature, destinataire ou validité) : "
                    "elle est refusée.",
        "userinfo": "Les informations transmises par ProConnect n'ont pas pu être vérifiées : elles sont refusées.",
        "unavailable": "ProConnect ne répond pas pour le moment. Réessayez dans quelques minutes, ou connectez-vous "
                       "avec votre identifiant et votre mot de passe.",
        "disabled": "La connexion avec ProConnect n'est pas proposée sur ce portail.",
    }

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail[:200]

    @property
    def text(self) -> str:
        return self.TEXTS.get(self.reason, self.TEXTS["provider"])


@dataclass(frozen=True)
class Identity:
    """Who ProConnect says signed in, once every check passed."""

    issuer: str
    subject: str
    email: str = ""
    given_name: str = ""
    usual_name: str = ""
    acr: str = ""
    amr: list[str] = field(default_factory=list)
    id_token: str = ""

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.usual_name}".strip()

    @property
    def second_factor_asserted(self) -> bool:
        """The provider says a second factor was used: an `acr` it counts as such, or `mfa` among `amr`."""
        return (self.acr in settings.PROCONNECT_MFA_ACR_VALUES
                or any(value in settings.PROCONNECT_MFA_AMR_VALUES for value in self.amr))


def enabled() -> bool:
    return bool(settings.PROCONNECT_DISCOVERY_URL and settings.PROCONNECT_CLIENT_ID)


@functools.lru_cache(maxsize=4)
def _client(discovery_url: str, client_id: str, client_secret: str, scopes: str, timeout: int):
    registry = OAuth()
    return registry.register(
        NAME, client_id=client_id, client_secret=client_secret, server_metadata_url=discovery_url,
        client_kwargs={"scope": scopes, "code_challenge_method": "S256", "timeout": timeout,
                       "token_endpoint_auth_method": "client_secret_post"},
    )


def client():
    if not enabled():
        raise ProConnectError("disabled")
    return _client(settings.PROCONNECT_DISCOVERY_URL, settings.PROCONNECT_CLIENT_ID,
                   settings.PROCONNECT_CLIENT_SECRET, " ".join(settings.PROCONNECT_SCOPES),
                   settings.PROCONNECT_TIMEOUT_SECONDS)


def _absolute(setting: str, view: str) -> str:
    return getattr(settings, setting) or settings.PORTAL_BASE_URL.rstrip("/") + reverse(view)


def redirect_uri() -> str:
    return _absolute("PROCONNECT_REDIRECT_URI", "proconnect:callback")


def post_logout_redirect_uri() -> str:
    return _absolute("PROCONNECT_POST_LOGOUT_REDIRECT_URI", "proconnect:logged_out")


def metadata() -> dict:
    try:
        return client().load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise ProConnectError("unavailable", str(error)) from error


def provider_origins() -> list[str]:
    """Origins the browser is sent to (sign-in, logout): added to the page's CSP `form-action`."""
    if not enabled():
        return []
    urls = [settings.PROCONNECT_DISCOVERY_URL]
    loaded = client().server_metadata
    urls += [loaded.get("authorization_endpoint") or "", loaded.get("end_session_endpoint") or ""]
    origins = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            value = f"{parts.scheme}://{parts.netloc}"
            if value not in origins:
                origins.append(value)
    return origins


def authorize_redirect(request, *, purpose: str, user_id: int | None = None, next_url: str = ""):
    """The redirect to ProConnect's authorization endpoint; `purpose` « login » or « link »."""
    metadata()
    extra = {"claims": '{"id_token":{"amr":{"essential":true},"acr":{"essential":true}}}'}
    if settings.PROCONNECT_ACR_VALUES:
        extra["acr_values"] = " ".join(settings.PROCONNECT_ACR_VALUES)
    try:
        response = client().authorize_redirect(request, redirect_uri(), **extra)
    except requests.RequestException as error:
        raise ProConnectError("unavailable", str(error)) from error
    # The purpose is bound to this flow's `state` (several tabs may each have one under way).
    state = parse_qs(urlsplit(response["Location"]).query).get("state", [""])[0]
    flows = request.session.get(FLOW_KEY) or {}
    flows = dict(list(flows.items())[-(FLOWS_KEPT - 1):])
    flows[state] = {"purpose": purpose, "user": user_id, "next": next_url}
    request.session[FLOW_KEY] = flows
    return response


def finish(request) -> Identity:
    """Check the callback (state, code, ID token, userinfo) and say who signed in; raises ProConnectError."""
    if request.GET.get("error"):
        raise ProConnectError("provider", request.GET.get("error", ""))
    app = client()
    try:
        token = app.authorize_access_token(request)
    except MismatchingStateError as error:
        raise ProConnectError("state", "state") from error
    except (JoseRfcError, ValueError) as error:
        raise ProConnectError("id_token", f"{type(error).__name__}: {error}") from error
    except AuthlibBaseError as error:
        raise ProConnectError("token", f"{error.error}: {error.description or ''}") from error
    except (KeyError, TypeError) as error:
        raise ProConnectError("id_token", f"{type(error).__name__}: {error}") from error
    except requests.RequestException as error:
        raise ProConnectError("unavailable", str(error)) from error
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        raise ProConnectError("id_token", "no id_token")
    info = _userinfo(app, token)
    if info.get("sub") != claims["sub"]:
        raise ProConnectError("userinfo", "sub differs")
    amr = claims.get("amr") or []
    return Identity(issuer=claims["iss"], subject=claims["sub"], email=str(info.get("email") or ""),
                    given_name=str(info.get("given_name") or ""), usual_name=str(info.get("usual_name") or ""),
                    acr=str(claims.get("acr") or ""), amr=[str(v) for v in amr] if isinstance(amr, list) else [],
                    id_token=token["id_token"])


def _userinfo(app, token) -> dict:
    """ProConnect answers userinfo with a JWT signed by its keys (JSON is accepted too)."""
    meta = app.load_server_metadata()
    try:
        # Plain bearer call: ProConnect's access tokens live 60 s, which Authlib's own session already
        # counts as expired (it keeps a 60 s margin).
        response = requests.get(meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"},
                                timeout=settings.PROCONNECT_TIMEOUT_SECONDS)
        response.raise_for_status()
    except requests.RequestException as error:
        raise ProConnectError("unavailable", str(error)) from error
    if not response.headers.get("Content-Type", "").startswith("application/jwt"):
        try:
            data = response.json()
        except ValueError as error:
            raise ProConnectError("userinfo", "not JSON") from error
        return data if isinstance(data, dict) else {}
    algorithms = meta.get("userinfo_signing_alg_values_supported") or ["RS256", "ES256"]
    try:
        decoded = jwt.decode(response.text.strip(), KeySet.import_key_set(app.fetch_jwk_set()),
                             registry=JWSRegistry(algorithms=algorithms))
    except (JoseRfcError, ValueError) as error:
        raise ProConnectError("userinfo", f"{type(error).__name__}: {error}") from error
    claims = dict(decoded.claims)
    audience = claims.get("aud")
    if (claims.get("iss") not in (None, meta.get("issuer"))
            or audience not in (None, settings.PROCONNECT_CLIENT_ID)
            and not (isinstance(audience, list) and settings.PROCONNECT_CLIENT_ID in audience)):
        raise ProConnectError("userinfo", "iss/aud")
    return claims


def logout_url(request) -> str | None:
    """The provider's end-session address for a session opened through ProConnect (None otherwise)."""
    id_token = request.session.get(ID_TOKEN_KEY)
    if not id_token or not enabled():
        return None
    try:
        result = client().create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri(),
                                            id_token_hint=id_token)
    except (ProConnectError, RuntimeError, requests.RequestException):
        return None
    request.proconnect_logout_state = result["state"]
    return result["url"]
