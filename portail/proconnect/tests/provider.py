"""A small but real OpenID Connect provider for the tests, served over HTTP on a local port.

It speaks the protocol the way ProConnect does, for one client: discovery, JWKS (RS256 keys generated
at start), « authorize » (approves at once the identity set in `provider.identity`: no login form),
« token » (client secret, redirect URI, PKCE S256 and single-use codes checked), « userinfo » (a signed
JWT, as ProConnect answers) and « end session ». Knobs let a test make it misbehave: sign with a key
that is not in its JWKS, address the ID token to another audience, echo another nonce.
"""
import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from socketserver import ThreadingMixIn

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "portail-partenaires-test"
CLIENT_SECRET = "secret-de-test-non-secret"


@dataclass
class Identity:
    sub: str
    email: str = "agent@exemple.gouv.fr"
    given_name: str = "Agent"
    usual_name: str = "Public"
    acr: str = "eidas1"
    amr: list[str] = field(default_factory=lambda: ["pwd"])


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class Provider:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "cle-1", "use": "sig", "alg": "RS256"})
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": "cle-1", "use": "sig", "alg": "RS256"})
        self.identity = Identity(sub="sub-0001")
        self.sign_with_rogue_key = False
        self.audience: str | None = None  # None: the client's id
        self.nonce_override: str | None = None
        self.codes: dict[str, dict] = {}
        self.used_codes: set[str] = set()
        self.refused: list[str] = []  # why the token endpoint said no, in order
        self.ended_sessions: list[dict] = []
        self.redirect_uris: set[str] = set()
        self._lock = threading.Lock()
        self._server = make_server(host, port, self.app, server_class=_Server, handler_class=_Quiet)
        self.issuer = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # ---------------------------------------------------------------- life

    def start(self) -> "Provider":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/api/v2/.well-known/openid-configuration"

    def reset(self, identity: Identity | None = None) -> None:
        self.identity = identity or Identity(sub="sub-0001")
        self.sign_with_rogue_key = False
        self.audience = None
        self.nonce_override = None
        self.refused.clear()
        self.ended_sessions.clear()

    # ---------------------------------------------------------------- WSGI

    def app(self, environ, start_response):
        path = environ["PATH_INFO"]
        routes = {
            "/api/v2/.well-known/openid-configuration": self.discovery,
            "/api/v2/jwks": self.jwks,
            "/api/v2/authorize": self.authorize,
            "/api/v2/token": self.token,
            "/api/v2/userinfo": self.userinfo,
            "/api/v2/session/end": self.end_session,
        }
        handler = routes.get(path)
        if handler is None:
            return self._json(start_response, {"error": "not_found"}, "404 Not Found")
        return handler(environ, start_response)

    def _json(self, start_response, body, status="200 OK"):
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def _redirect(self, start_response, location):
        start_response("302 Found", [("Location", location), ("Content-Length", "0")])
        return [b""]

    def _form(self, environ) -> dict[str, str]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode() if length else ""
        return {k: v[0] for k, v in parse_qs(body).items()}

    def discovery(self, environ, start_response):
        base = self.issuer + "/api/v2"
        return self._json(start_response, {
            "issuer": self.issuer + "/api/v2",
            "authorization_endpoint": base + "/authorize",
            "token_endpoint": base + "/token",
            "userinfo_endpoint": base + "/userinfo",
            "jwks_uri": base + "/jwks",
            "end_session_endpoint": base + "/session/end",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "userinfo_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "given_name", "usual_name", "uid", "siret", "idp_id"],
            "acr_values_supported": ["eidas1", "eidas2", "eidas3"],
            "claims_parameter_supported": True,
        })

    def jwks(self, environ, start_response):
        return self._json(start_response, KeySet([self.key]).as_dict(private=False))

    def authorize(self, environ, start_response):
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != CLIENT_ID or (self.redirect_uris and redirect_uri not in self.redirect_uris):
            return self._json(start_response, {"error": "invalid_client"}, "400 Bad Request")
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            return self._json(start_response, {"error": "invalid_request"}, "400 Bad Request")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return self._json(start_response, {"error": "invalid_request", "error_description": "PKCE"},
                              "400 Bad Request")
        if not query.get("state") or not query.get("nonce"):
            return self._json(start_response, {"error": "invalid_request"}, "400 Bad Request")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.codes[code] = {"redirect_uri": redirect_uri, "nonce": query["nonce"], "at": time.time(),
                                "challenge": query["code_challenge"], "identity": self.identity}
        sep = "&" if "?" in redirect_uri else "?"
        return self._redirect(start_response, redirect_uri + sep + urlencode({"code": code, "state": query["state"]}))

    def _client_ok(self, environ, form) -> bool:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        return client_id == CLIENT_ID and secret == CLIENT_SECRET

    def _refuse(self, start_response, error, why):
        self.refused.append(why)
        return self._json(start_response, {"error": error, "error_description": why}, "400 Bad Request")

    def token(self, environ, start_response):
        form = self._form(environ)
        if not self._client_ok(environ, form):
            return self._refuse(start_response, "invalid_client", "client")
        code = form.get("code", "")
        with self._lock:
            grant = self.codes.pop(code, None)
            replayed = code in self.used_codes
            self.used_codes.add(code)
        if grant is None:
            return self._refuse(start_response, "invalid_grant", "replayed code" if replayed else "unknown code")
        if time.time() - grant["at"] > 60 or form.get("redirect_uri") != grant["redirect_uri"]:
            return self._refuse(start_response, "invalid_grant", "redirect_uri")
        verifier = form.get("code_verifier", "")
        if _b64(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
            return self._refuse(start_response, "invalid_grant", "PKCE")
        identity: Identity = grant["identity"]
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self.codes["at:" + access_token] = {"identity": identity}
        now = int(time.time())
        claims = {"iss": self.issuer + "/api/v2", "sub": identity.sub, "aud": self.audience or CLIENT_ID,
                  "exp": now + 60, "iat": now, "nonce": self.nonce_override or grant["nonce"],
                  "acr": identity.acr, "amr": identity.amr, "idp_id": "idp-test"}
        key = self.rogue_key if self.sign_with_rogue_key else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "cle-1"}, claims, key)
        return self._json(start_response, {"access_token": access_token, "token_type": "Bearer", "expires_in": 60,
                                           "id_token": id_token, "scope": "openid email"})

    def userinfo(self, environ, start_response):
        header = environ.get("HTTP_AUTHORIZATION", "")
        grant = self.codes.get("at:" + header[7:]) if header.startswith("Bearer ") else None
        if grant is None:
            return self._json(start_response, {"error": "invalid_token"}, "401 Unauthorized")
        identity: Identity = grant["identity"]
        claims = {"iss": self.issuer + "/api/v2", "aud": CLIENT_ID, "sub": identity.sub, "email": identity.email,
                  "given_name": identity.given_name, "usual_name": identity.usual_name, "siret": "13002526500013",
                  "uid": identity.sub, "idp_id": "idp-test"}
        data = jwt.encode({"alg": "RS256", "kid": "cle-1"}, claims, self.key).encode()
        start_response("200 OK", [("Content-Type", "application/jwt"), ("Content-Length", str(len(data)))])
        return [data]

    def end_session(self, environ, start_response):
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        self.ended_sessions.append(query)
        target = query.get("post_logout_redirect_uri")
        if not target:
            return self._json(start_response, {"ended": True})
        sep = "&" if "?" in target else "?"
        return self._redirect(start_response, target + (sep + urlencode({"state": query["state"]})
                                                       if query.get("state") else ""))


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def main() -> None:
    """`python -m portail.proconnect.tests.provider [--port 8090] [--sub …] [--email …] [--acr eidas1]`: the same
    provider, standing alone, to try the ProConnect sign-in of a local portal by hand."""
    import argparse

    parser = argparse.ArgumentParser(description="Fournisseur OpenID Connect de test (à la manière de ProConnect)")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--sub", default="demo-proconnect-0001")
    parser.add_argument("--email", default="agent.demo@exemple.gouv.fr")
    parser.add_argument("--acr", default="eidas1")
    args = parser.parse_args()
    provider = Provider(port=args.port)
    provider.identity = Identity(sub=args.sub, email=args.email, given_name="Agent", usual_name="Démo", acr=args.acr)
    print("Fournisseur de test : chaque demande est accordée d'office à", args.sub, f"({args.email}, acr {args.acr})")
    print("Lancez le portail avec :")
    print(f"  PROCONNECT_DISCOVERY_URL={provider.discovery_url} PROCONNECT_CLIENT_ID={CLIENT_ID} "
          f"PROCONNECT_CLIENT_SECRET={CLIENT_SECRET} make run")
    try:
        provider._server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
