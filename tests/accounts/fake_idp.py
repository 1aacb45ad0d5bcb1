"""A small OpenID Connect provider on loopback, for sign-in tests.

Real HTTP on 127.0.0.1: discovery, authorize (approves at once and redirects
back with a code), token (an RS256 id_token, PKCE checked), JWKS and userinfo.
Like Microsoft Entra ID, it puts the groups claim in the id_token only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class FakeIdP:
    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "fake-idp-key-1"
        # Who "signs in" at the next authorize request, as id_token claims.
        self.next_user: dict = {}
        # Set to misbehave: another audience, or a key the JWKS does not publish.
        self.audience: str | None = None
        self.signing_key = self.key
        self._codes: dict[str, dict] = {}
        self._access_tokens: dict[str, dict] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeIdP:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def jwks(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def authorize(self, query: dict[str, str]) -> str:
        """Approve the request; return where the browser is sent next."""
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            raise ValueError("unknown client or response type")
        code = secrets.token_urlsafe(16)
        self._codes[code] = {**query, "claims": dict(self.next_user)}
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict[str, str]) -> dict:
        grant = self._codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or form.get("client_secret") != self.client_secret:
            raise ValueError("invalid_grant")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            raise ValueError("redirect_uri mismatch")
        if "code_challenge" in grant:
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["code_challenge"]:
                raise ValueError("PKCE verifier mismatch")
        claims = grant["claims"]
        now = int(time.time())
        id_token = jwt.encode(
            {
                **claims,
                "iss": self.url,
                "aud": self.audience or self.client_id,
                "iat": now,
                "exp": now + 300,
                "nonce": grant.get("nonce"),
            },
            self.signing_key,
            algorithm="RS256",
            headers={"kid": self.kid},
        )
        access_token = secrets.token_urlsafe(16)
        self._access_tokens[access_token] = {k: v for k, v in claims.items() if k != "groups"}
        return {"access_token": access_token, "id_token": id_token, "token_type": "Bearer", "expires_in": 300}

    def userinfo(self, authorization: str) -> dict:
        return self._access_tokens[authorization.removeprefix("Bearer ")]


def _handler(idp: FakeIdP) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # keep test output quiet
            pass

        def _json(self, body: dict, status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            try:
                if url.path == "/.well-known/openid-configuration":
                    self._json(
                        {
                            "issuer": idp.url,
                            "authorization_endpoint": f"{idp.url}/authorize",
                            "token_endpoint": f"{idp.url}/token",
                            "userinfo_endpoint": f"{idp.url}/userinfo",
                            "jwks_uri": f"{idp.url}/jwks",
                            "id_token_signing_alg_values_supported": ["RS256"],
                        }
                    )
                elif url.path == "/authorize":
                    self.send_response(302)
                    self.send_header("Location", idp.authorize(query))
                    self.end_headers()
                elif url.path == "/jwks":
                    self._json(idp.jwks())
                elif url.path == "/userinfo":
                    self._json(idp.userinfo(self.headers.get("Authorization", "")))
                else:
                    self._json({"error": "not_found"}, 404)
            except (KeyError, ValueError) as exc:
                self._json({"error": "invalid_request", "error_description": str(exc)}, 400)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path != "/token":
                self._json({"error": "not_found"}, 404)
                return
            try:
                self._json(idp.token(form))
            except ValueError as exc:
                self._json({"error": "invalid_grant", "error_description": str(exc)}, 400)

    return Handler
