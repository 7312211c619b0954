"""What a SPARQL request text is, found by a lexical scan: its form, the SERVICE endpoints it
calls, whether it names its own dataset (FROM / FROM NAMED) and how deeply it nests.

pyoxigraph parses and evaluates in one call and does not expose the algebra, and rdflib's
parser costs tens of milliseconds per query, so the endpoint scans the text once with a small
tokenizer that knows SPARQL's strings, IRIs and comments (a ``SERVICE`` inside a string or a
comment is not a call). The scan does not validate: pyoxigraph's parser has the last word on
syntax. For SERVICE it errs on the side of refusal: an endpoint it cannot resolve to an IRI
(a variable, an unknown prefix) is reported as ``None``.

Nesting is checked before any parser sees the text: pyoxigraph's recursive-descent parser
overflows the stack (a segfault, taking the process with it) at about 3,000 nested groups.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox

from kemi_graph.errors import QueryError

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
# Far beyond any query a person writes, far below the depth that overflows the parser's stack.
MAX_NESTING = 128
_OPENING, _CLOSING = frozenset("{(["), frozenset("})]")
_REMEMBERED_MAX_CHARS = 8192


@dataclass(frozen=True)
class QueryText:
    """``form`` is ``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``, ``UPDATE`` or ``None`` (unknown)."""

    form: str | None
    services: tuple[str | None, ...]
    names_dataset: bool = False  # a FROM or FROM NAMED clause
    nesting: int = 0  # deepest nesting of braces, parentheses and brackets

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
    depth = nesting = 0
    for kind, value in tokens:
        if kind == "other":
            if value in _OPENING:
                depth += 1
                nesting = max(nesting, depth)
            elif value in _CLOSING:
                depth -= 1
    names_dataset = any(kind == "word" and value.upper() == "FROM" for kind, value in tokens)
    return QueryText(form, tuple(services), names_dataset, nesting)


def checked(text: str) -> QueryText:
    """The scan of ``text``, refusing a query nested too deeply to be parsed safely.

    The scan costs about 0.3 ms for a 2 KB query, as much as evaluating many of them; repeated
    texts of ordinary length (the named queries, a client's repeated query) are remembered.
    """
    info = _scan_remembered(text) if len(text) <= _REMEMBERED_MAX_CHARS else scan(text)
    if info.nesting > MAX_NESTING:
        raise QueryError(
            f"the query nests groups, brackets or parentheses {info.nesting} levels deep; "
            f"at most {MAX_NESTING} are accepted"
        )
    return info


def dataset_arguments(
    info: QueryText, default_graph: list[str] | None = None, named_graphs: list[str] | None = None
) -> dict[str, object]:
    """pyoxigraph's dataset arguments under SPARQL 1.1 dataset semantics.

    The request's dataset (protocol ``default-graph-uri``/``named-graph-uri``) wins over the
    query's FROM/FROM NAMED; the default graph is the union of all graphs only when neither
    names a dataset. (pyoxigraph's ``use_default_graph_as_union`` overrides FROM, so it must
    not be set when the query has one.)
    """
    if default_graph or named_graphs:
        return {
            "default_graph": [ox.NamedNode(iri) for iri in default_graph or ()],
            "named_graphs": [ox.NamedNode(iri) for iri in named_graphs or ()],
        }
    return {"use_default_graph_as_union": not info.names_dataset}


@functools.lru_cache(maxsize=512)
def _scan_remembered(text: str) -> QueryText:
    return scan(text)


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
