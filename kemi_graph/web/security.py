"""Security headers on every response, and the rule for which IRIs may become links.

The pages run one script, the query editor on ``/sparql`` (``static/editor/``, built from
npm and served from the site itself; every page works without it), and have one stylesheet;
the other ``<script>`` is a JSON-LD data block, which is never executed. The SDG colours and
the editor's layout are ``style`` attributes, the SDG values from the data escaped by the
templates. So the policy allows the site's own script files and stylesheet and inline style
attributes, and nothing else: no inline or remote scripts, no eval, no connections, no frames,
no plugins, forms only to the site itself.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP level 2
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def is_safe_link(target: object) -> bool:
    """True for an http(s) URL or a path on this site: the only link targets a page renders.

    IRIs such as ``javascript:…`` or ``data:…`` are valid in RDF and in query results; as an
    ``href`` they would run code in the site's origin, so they are shown as text instead.
    """
    if not isinstance(target, str) or not target:
        return False
    if target.startswith("/"):
        return not target.startswith("//")  # '//host/...' leaves the site
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def init_security(app: Flask) -> None:
    """Add the headers to every response and the ``safe_link`` test to the templates."""
    app.jinja_env.tests["safe_link"] = is_safe_link

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
