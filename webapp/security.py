"""HTTP hardening shared by every response: security headers, no caching of private pages, cookie flags.

- Content-Security-Policy forbids inline script and style (templates keep their code in static/js, data
  in data- attributes or <script type="application/json">) and framing (frame-ancestors 'none', with
  X-Frame-Options for older browsers), so one-button POST forms cannot be clickjacked.
- Every response except static files is `Cache-Control: no-store`: pages show one person's data and
  exports are private, and a shared or back-button cache must not keep them. The one exception is a
  response its view marked `public` (open data, the same for everyone: webapp/api/opendata.py), which keeps
  its own caching; the session interface sets no cookie on such a response, so a shared cache never
  keeps one person's cookie with it.
- The session cookie is Secure by default (`COOKIE_SECURE = "auto"`): only a page asked for over plain
  HTTP by a loopback name (127.0.0.1, localhost, ::1) with no proxy header in between gets a cookie
  without the flag, which is how `make demo` works on http://127.0.0.1:5000. `true`/`false` force it.
- Behind a reverse proxy, `TRUSTED_PROXIES = n` takes the client address, scheme and host from the
  X-Forwarded-* headers set by the n proxies in front (the login throttle counts per client address).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
PROXY_HEADERS = ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded")
STATIC_CACHE_EXEMPT = frozenset({"static"})


def init_app(app: Flask) -> None:
    app.session_interface = _SessionInterface()
    if (proxies := int(app.config.get("TRUSTED_PROXIES") or 0)) > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.after_request(_add_headers)


def cookie_secure(app: Flask) -> bool:
    """Whether this request's cookies carry the Secure flag (see the module docstring)."""
    setting = app.config.get("COOKIE_SECURE", "auto")
    if isinstance(setting, bool):
        return setting
    if request.is_secure or any(header in request.headers for header in PROXY_HEADERS):
        return True
    host = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
    return host.lower() not in LOOPBACK_HOSTS


class _SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return cookie_secure(app)

    def save_session(self, app: Flask, session, response: Response) -> None:
        if response.cache_control.public:
            return  # the same for everyone and cacheable: no cookie (nor Vary: Cookie) goes with it
        super().save_session(app, session, response)


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # same-origin, not no-referrer: Flask-WTF checks the Referer of form posts made over HTTPS.
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint not in STATIC_CACHE_EXEMPT and not response.cache_control.public:
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
        if not request.path.startswith("/api/"):  # the API's ETags guard writes (webapp.api.etags)
            headers.pop("ETag", None)
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response

