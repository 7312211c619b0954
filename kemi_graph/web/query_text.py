"""What a SPARQL request text is, found by a lexical scan: its form and the SERVICE endpoints it calls.

pyoxigraph parses and evaluates in one call and does not expose the algebra, and rdflib's
parser costs tens of milliseconds per query, so the endpoint scans the text once with a small
tokenizer that knows SPARQL's strings, IRIs and comments (a ``SERVICE`` inside a string or a
comment is not a call). The scan does not validate: pyoxigraph's parser has the last word on
syntax. For SERVICE it errs on the side of refusal: an endpoint it cannot resolve to an IRI
(a variable, an unknown prefix) is reported as ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][0-9A-Za-z_\u00B7\u00C0-\uFFFF]+)
    | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w\-.\u00B7\u00C0-\uFFFF]*)?:(?:(?:[\w\-:%\u00B7\u00C0-\uFFFF]|\\.)(?:(?:[\w\-:%.\u00B7\u00C0-\uFFFF]|\\.)*(?:[\w\-:%\u00B7\u00C0-\uFFFF]|\\.))?)?)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)


@dataclass(frozen=True)
class QueryText:
    """``form`` is ``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``, ``UPDATE`` or ``None`` (unknown)."""

    form: str | None
    services: tuple[str | None, ...]

    @property
    def kind(self) -> str | None:
        """``select`` (SELECT/ASK results), ``graph`` (CONSTRUCT/DESCRIBE), ``update`` or ``None``."""
        return {"SELECT": "select", "ASK": "select", "CONSTRUCT": "graph", "DESCRIBE": "graph", "UPDATE": "update"}.get(
            self.form or ""
        )


def _tokens(text: str) -> list[tuple[str, str]]:
    return [(m.lastgroup or "other", m.group()) for m in _TOKEN.finditer(text) if m.lastgroup not in ("ws", "comment")]


def scan(text: str) -> QueryText:
    tokens = _tokens(text)
    prefixes: dict[str, str] = {}
    base: str | None = None
    form: str | None = None
    i = 0
    # Prologue: (BASE <iri> | PREFIX p: <iri>)*, then the query form's keyword.
    while i < len(tokens):
        kind, value = tokens[i]
        word = value.upper() if kind == "word" else None
        if word == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
            base = _resolve(tokens[i + 1][1][1:-1], base)
            i += 2
            continue
        if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1][0] == "pname" and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1].rstrip(":")] = _resolve(tokens[i + 2][1][1:-1], base)
            i += 3
            continue
        if word in QUERY_FORMS:
            form = word
        elif word in UPDATE_KEYWORDS:
            form = "UPDATE"
        break
    services: list[str | None] = []
    for j, (kind, value) in enumerate(tokens):
        if kind != "word" or value.upper() != "SERVICE":
            continue
        k = j + 1
        if k < len(tokens) and tokens[k][0] == "word" and tokens[k][1].upper() == "SILENT":
            k += 1
        target = tokens[k] if k < len(tokens) else ("other", "")
        if target[0] == "iri":
            services.append(_resolve(target[1][1:-1], base))
        elif target[0] == "pname":
            prefix, _, local = target[1].partition(":")
            services.append(prefixes[prefix] + re.sub(r"\\(.)", r"\1", local) if prefix in prefixes else None)
        else:
            services.append(None)
    return QueryText(form, tuple(services))


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base and not urlsplit(iri).scheme else iri


def service_allowed(iri: str | None, allow_list: tuple[str, ...]) -> bool:
    """An allow-list entry with a scheme (``https://host/sparql``) allows that endpoint IRI;
    one without (``host`` or ``host:port``) allows every endpoint on that host."""
    if iri is None:
        return False
    parts = urlsplit(iri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname.lower()
    host_port = f"{host}:{parts.port}" if parts.port else host
    for entry in allow_list:
        entry = entry.strip()
        if "://" in entry:
            if iri == entry:
                return True
        elif entry.lower() in (host, host_port):
            return True
    return False
