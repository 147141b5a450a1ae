"""Loopback stand-ins for the providers whose keys Till can check, for tests.

Till checks whether a key is live with each provider's cheapest authenticated read-only
call, described by the `[verify]` table of its catalog file. Tests must not reach the real
services, so they point a provider's base URL at this server instead, e.g. openai at
`http://127.0.0.1:PORT/openai`: the first path segment names the provider and the rest is
the provider's real path (`GET /openai/v1/models`).

What each provider expects (method, path, where the key goes) is written out here from the
providers' real APIs, independently of the catalog, so a catalog or client mistake fails a
test: wrong method or path gives 404, missing or malformed auth gives 401 with a
provider-like body (Slack: 200 {"ok": false, "error": "not_authed"}, as Slack does;
GitHub: 403 without a User-Agent header, as GitHub does). With the right auth, the key
decides the answer: it contains `revoked` -> 401 (Slack: 200 {"ok": false, "error":
"invalid_auth"}), `forbidden` -> 403, `ratelimited` -> 429 with Retry-After, `slow` -> the
normal answer after 20 s (timeout tests); anything else -> 200 with a small plausible body.

GET /_requests lists every request so far as {"provider", "method", "path", "authorized"}
(path is the part after the provider segment, without the query; the key is never
recorded); POST /_reset clears the list. Usage: /usr/bin/python3 fake_providers.py -- binds
127.0.0.1 on a free port, prints the port and a newline, then serves until killed.
"""

import base64
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def bearer(h, q):
    scheme, _, token = (h.get("Authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def github(h, q):  # GitHub takes `Bearer <t>` or the older `token <t>`
    scheme, _, token = (h.get("Authorization") or "").partition(" ")
    return token.strip() if scheme.lower() in ("bearer", "token") else None


def anthropic(h, q):  # API keys go in x-api-key, and every request needs a known version
    if h.get("anthropic-version") not in ("2023-06-01", "2023-01-01"):
        return None
    return h.get("x-api-key")


def google(h, q):  # the Gemini API takes the key as a header or as ?key=
    return h.get("x-goog-api-key") or (q.get("key") or [None])[0]


def stripe_basic(h, q):  # the secret key is the username, the password is empty
    scheme, _, blob = (h.get("Authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(blob.strip(), validate=True).decode().partition(":")
    except ValueError:
        return None
    return user if sep and not password else None


def openai_like(status, msg, code):
    return {"error": {"message": msg, "type": "invalid_request_error", "param": None, "code": code}}


ANTHROPIC_TYPES = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}
GOOGLE_STATUS = {401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED"}


# provider id -> (method, path, auth check giving the key or None, 200 body, error body)
PROVIDERS = {
    "openai": ("GET", "/v1/models", bearer,
               {"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model", "owned_by": "system"}]},
               openai_like),
    "anthropic": ("GET", "/v1/models", anthropic,
                  {"data": [{"type": "model", "id": "claude-sonnet-4-20250514", "display_name": "Claude Sonnet 4"}],
                   "has_more": False, "first_id": "claude-sonnet-4-20250514", "last_id": "claude-sonnet-4-20250514"},
                  lambda s, m, c: {"type": "error", "error": {"type": ANTHROPIC_TYPES[s], "message": m}}),
    "google": ("GET", "/v1beta/models", google,
               {"models": [{"name": "models/gemini-2.0-flash", "displayName": "Gemini 2.0 Flash"}]},
               lambda s, m, c: {"error": {"code": s, "message": m, "status": GOOGLE_STATUS[s]}}),
    "github": ("GET", "/user", github, {"login": "till-test", "id": 1, "type": "User"},
               lambda s, m, c: {"message": m, "documentation_url": "https://docs.github.com/rest", "status": str(s)}),
    "stripe": ("GET", "/v1/balance", stripe_basic,
               {"object": "balance", "livemode": False, "available": [{"amount": 0, "currency": "usd"}],
                "pending": [{"amount": 0, "currency": "usd"}]},
               lambda s, m, c: {"error": {"message": m, "type": "invalid_request_error", "code": c}}),
    "slack": ("POST", "/api/auth.test", bearer,
              {"ok": True, "url": "https://till-test.slack.com/", "team": "Till Test", "user": "till",
               "team_id": "T00000000", "user_id": "U00000000"},
              lambda s, m, c: {"ok": False, "error": c}),
    "sendgrid": ("GET", "/v3/scopes", bearer, {"scopes": ["mail.send", "user.profile.read"]},
                 lambda s, m, c: {"errors": [{"field": None, "message": m}]}),
    "openrouter": ("GET", "/api/v1/key", bearer,
                   {"data": {"label": "sk-or-v1-abc...xyz", "usage": 0, "limit": None, "is_free_tier": True}},
                   lambda s, m, c: {"error": {"message": m, "code": s}}),
    "mistral": ("GET", "/v1/models", bearer,
                {"object": "list", "data": [{"id": "mistral-small-latest", "object": "model"}]},
                lambda s, m, c: {"message": m, "request_id": "0" * 32}),
    "groq": ("GET", "/openai/v1/models", bearer,
             {"object": "list", "data": [{"id": "llama-3.1-8b-instant", "object": "model", "owned_by": "Meta"}]},
             openai_like),
    "huggingface": ("GET", "/api/whoami-v2", bearer,
                    {"type": "user", "name": "till-test",
                     "auth": {"type": "access_token", "accessToken": {"displayName": "till", "role": "read"}}},
                    lambda s, m, c: {"error": m}),
    "cloudflare": ("GET", "/client/v4/user/tokens/verify", bearer,
                   {"success": True, "errors": [], "messages": [],
                    "result": {"id": "0" * 32, "status": "active"}},
                   lambda s, m, c: {"success": False, "errors": [{"code": 1000, "message": m}], "messages": [],
                                 "result": None}),
}

# outcome -> (status, message, code); the error body shape comes from PROVIDERS
OUTCOMES = {
    "missing": (401, "missing or malformed credentials", "not_authed"),
    "revoked": (401, "invalid API key", "invalid_api_key"),
    "forbidden": (403, "this key may not perform this request", "forbidden"),
    "ratelimited": (429, "rate limit exceeded", "ratelimited"),
}

requests_seen = []
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # keep stderr quiet
        pass

    def reply(self, status, body, extra=()):
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        url = urlsplit(self.path)
        if url.path == "/_requests" and self.command == "GET":
            with lock:
                return self.reply(200, list(requests_seen))
        if url.path == "/_reset" and self.command == "POST":
            with lock:
                requests_seen.clear()
            return self.reply(200, {"ok": True})
        provider, _, rest = url.path.lstrip("/").partition("/")
        rest = "/" + rest
        spec = PROVIDERS.get(provider)
        key = spec[2](self.headers, parse_qs(url.query)) if spec else None
        with lock:
            requests_seen.append({"provider": provider, "method": self.command, "path": rest,
                                  "authorized": bool(key)})
        if not spec or (self.command, rest) != spec[:2]:
            return self.reply(404, {"error": {"message": f"fake_providers: no route {self.command} {url.path}"}})
        ok_body, error_body = spec[3:]
        if provider == "github" and not self.headers.get("User-Agent"):
            return self.reply(403, error_body(
                403, "Request forbidden by administrative rules. Please make sure your request has a "
                "User-Agent header.", "forbidden"))
        outcome = "missing" if not key else next(
            (o for o in ("revoked", "forbidden", "ratelimited") if o in key), None)
        if outcome is None:
            if "slow" in key:
                time.sleep(20)
            return self.reply(200, ok_body)
        status, message, code = OUTCOMES[outcome]
        if provider == "slack" and outcome in ("missing", "revoked"):
            status = 200  # Slack reports auth failures as 200 {"ok": false, "error": ...}
            code = "not_authed" if outcome == "missing" else "invalid_auth"
        extra = [("Retry-After", "1")] if status == 429 else []
        self.reply(status, error_body(status, message, code), extra)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    sys.stdout.write(f"{server.server_address[1]}\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
