"""Security headers on every answer (pages, error pages, API, downloads, static files).

Flask-Talisman sets them, so the header logic is a maintained library's and not ours; this
module only feeds it our configuration. What the settings mean is in ``config/default.py``;
the reasons a municipality's security officer asks for each are in the README (Security).

- Content-Security-Policy without ``unsafe-inline``: every script and style is a file under
  ``static/``, so an injected ``<script>`` or ``onclick=`` in a page does not run.
- Framing is refused twice (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``) against
  clickjacking; browsers that know the first ignore the second.
- ``Referrer-Policy: same-origin``: a link out of the registry (IVO's register, Bolagsverket)
  tells the other site nothing, not even that a municipality's registry sent the visitor,
  while addresses inside the app (the matching need lives in the query string) stay ours.
- HSTS and the HTTPS redirect only where the configuration asks for them (production), so
  development and the tests keep working over plain HTTP on 127.0.0.1.
- With single sign-on on, the identity provider's origin joins ``form-action``: logging out is a
  form post that the app answers with a redirect to the provider's end-session address, and
  browsers apply ``form-action`` to that redirect too.
- Behind a reverse proxy, ``PROXY_COUNT`` trusts that many hops' X-Forwarded-* headers
  (werkzeug's ProxyFix), so the app sees the client's scheme and address, not the proxy's.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from vendor_registry.extensions import talisman

#: A download is never a page of ours: nothing in it may run, load or be framed.
DOWNLOAD_CSP = {"default-src": "'none'", "frame-ancestors": "'none'", "sandbox": ""}

#: Browser features the registry never uses, switched off for every page.
PERMISSIONS_POLICY = {"browsing-topics": "()", "camera": "()", "microphone": "()",
                      "geolocation": "()", "payment": "()", "usb": "()"}


def download_headers(view):
    """The per-view policy for a file download (evidence, page and API alike)."""
    return talisman(content_security_policy=DOWNLOAD_CSP, frame_options="DENY")(view)


def init_security(app: Flask) -> None:
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,
                                x_port=proxies)  # type: ignore[method-assign]
    hsts_max_age = int(app.config.get("HSTS_MAX_AGE") or 0)
    # One Talisman per app: an instance keeps the options of the app it was last initialised
    # with, so a shared instance would give every app in the process the last app's policy. The
    # shared ``talisman`` only decorates views (it marks the function, whichever app serves it).
    app.extensions["talisman"] = Talisman(
        app,
        content_security_policy=_policy(app),
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS_POLICY,
        force_https=bool(app.config.get("FORCE_HTTPS")),
        strict_transport_security=hsts_max_age > 0,
        strict_transport_security_max_age=hsts_max_age,
        strict_transport_security_include_subdomains=False,  # the municipality's other hosts are not ours
        # The cookie settings stay the configuration's (Talisman would otherwise overwrite them).
        session_cookie_secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
        session_cookie_http_only=bool(app.config.get("SESSION_COOKIE_HTTPONLY")),
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE"),
    )


def _policy(app: Flask) -> dict[str, str]:
    """The configured policy, plus the identity provider's origin as a form target when single
    sign-on is configured (the logout's redirect to its end-session address)."""
    policy = dict(app.config["CONTENT_SECURITY_POLICY"])
    discovery = app.config.get("OIDC_DISCOVERY_URL")
    if discovery:
        parts = urlsplit(discovery)
        origin = f"{parts.scheme}://{parts.netloc}"
        targets = policy.get("form-action", "'self'")
        if origin not in targets.split():
            policy["form-action"] = f"{targets} {origin}"
    return policy
