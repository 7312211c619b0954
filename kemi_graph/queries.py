"""The named query library: ``queries/*.rq``, each answering one user question.

Every file starts with a header of ``#`` comment lines (the first line that is not a comment
ends it) in this fixed, machine-readable format (docs/queries.md)::

    # title@en: Strategic goals with their objectives
    # title@fi: Strategiset päämäärät ja niiden tavoitteet
    # description: What the query answers; the key may repeat, the lines are joined with spaces.
    # param: NAME TYPE REQUIREMENT  What the parameter means.
    # column: goalFi/goalEn  fi=Strateginen päämäärä | en=Strategic goal

``TYPE`` is ``iri``, ``literal``, ``string``, ``integer`` or ``decimal``; ``REQUIREMENT`` is
``required``, ``optional`` (left unbound when not given) or ``default=VALUE`` (``VALUE`` has no
spaces: ``sdg:3``, ``<{base}/id/kemi/post/hyvinvointijohtaja>``, ``42`` or ``"two words"``;
``{base}`` is the configured base IRI). A parameter ``NAME`` is the query variable ``?NAME``;
its value is bound with pyoxigraph ``substitutions``, never pasted into the SPARQL text.
Other header lines are free comments. Both ``title@en`` and ``title@fi`` are required.
``column`` gives a result column its headings per language; ``A/B`` names a pair of variables
holding one value in Finnish (``A``) and English (``B``), shown on a page as one column in the
page's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from kemi_graph import resources
from kemi_graph.errors import InputError
from kemi_graph.namespaces import PREFIXES
from kemi_graph.store import QueryResult, run_query

PARAM_TYPES = ("iri", "literal", "string", "integer", "decimal")
XSD = "http://www.w3.org/2001/XMLSchema#"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUERY_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_HEADER_LINE = re.compile(r"#\s*(?P<key>title@[a-zA-Z-]+|description|param|column)\s*:\s?(?P<value>.*)$")
_HEADING = re.compile(r"(?P<lang>[a-z]{2,3})=(?P<text>[^|]*[^|\s])")
_PREFIXED = re.compile(r"(?P<prefix>[A-Za-z][A-Za-z0-9_-]*)?:(?P<local>[^\s<>\"{}|^`\\]*)")
_LITERAL = re.compile(r'"(?P<text>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)|\^\^(?P<datatype>\S+))?')


@dataclass(frozen=True)
class Param:
    """One parameter: ``name`` is the query variable, ``default`` the raw text (or None)."""

    name: str
    type: str
    required: bool
    default: str | None
    description: str


@dataclass(frozen=True)
class Column:
    """How a page shows a result column: its headings by language and the variables behind it:
    one, or a Finnish and an English variable of which the page shows its language's."""

    variables: tuple[str, ...]  # (name,) or (finnish, english)
    headings: dict[str, str]

    def heading(self, lang: str) -> str:
        return self.headings.get(lang) or self.headings.get("en") or self.variables[0]

    def variable(self, lang: str) -> str:
        return self.variables[-1] if lang == "en" else self.variables[0]


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    sparql: str
    titles: dict[str, str]
    description: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    columns: tuple[Column, ...] = field(default_factory=tuple)

    def column_of(self, variable: str) -> Column | None:
        return next((c for c in self.columns if variable in c.variables), None)

    def title(self, lang: str = "en") -> str:
        return self.titles.get(lang) or self.titles.get("en") or self.name

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def bindings(self, values: Mapping[str, str | None], base_iri: str) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
        """Typed terms for ``values`` (raw text), with defaults filled in; empty values count as not given.

        Raises InputError naming the query and the parameter for an unknown name, a missing
        required value or a value that is not of the parameter's type.
        """
        known = {p.name for p in self.params}
        unknown = sorted(set(values) - known)
        if unknown:
            offered = ", ".join(sorted(known)) or "none"
            raise InputError(f"query {self.name!r}: unknown parameter {unknown[0]!r} (parameters: {offered})")
        bound: dict[ox.Variable, ox.NamedNode | ox.Literal] = {}
        for param in self.params:
            raw = values.get(param.name)
            if raw is None or not str(raw).strip():
                if param.default is not None:
                    raw = param.default
                elif param.required:
                    raise InputError(f"query {self.name!r}: parameter {param.name!r} ({param.type}) is required")
                else:
                    continue
            bound[ox.Variable(param.name)] = parse_value(self.name, param, str(raw), base_iri)
        return bound

    def run(self, store: ox.Store, values: Mapping[str, str | None] | None = None, *, base_iri: str) -> QueryResult:
        return run_query(store, self.sparql, substitutions=self.bindings(values or {}, base_iri))


def parse_value(query: str, param: Param, raw: str, base_iri: str) -> ox.NamedNode | ox.Literal:
    """The RDF term for ``raw`` as ``param.type``; ``{base}`` in an IRI is the base IRI."""
    text = raw.strip()

    def bad(why: str) -> InputError:
        return InputError(f"query {query!r}: parameter {param.name!r}: {raw!r} is not {why}")

    if param.type == "iri":
        return _iri(text.replace("{base}", base_iri), lambda: bad("an IRI (<http://...>, http://... or a prefixed name like sdg:3)"))
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            raise bad("an integer")
        return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))
    if param.type == "decimal":
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise bad("a decimal number") from None
        if not number.is_finite():
            raise bad("a finite decimal number")
        return ox.Literal(format(number, "f"), datatype=ox.NamedNode(XSD + "decimal"))
    if param.type == "literal":
        match = _LITERAL.fullmatch(text)
        if match is None:
            return ox.Literal(raw)
        unescaped = re.sub(r"\\(.)", r"\1", match["text"])
        if match["lang"]:
            return ox.Literal(unescaped, language=match["lang"].lower())
        if match["datatype"]:
            return ox.Literal(unescaped, datatype=_iri(match["datatype"], lambda: bad("a literal with a datatype IRI")))
        return ox.Literal(unescaped)
    return ox.Literal(raw)  # string: the text as given


def _iri(text: str, make_error: Callable[[], InputError]) -> ox.NamedNode:
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    elif not re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", text):
        match = _PREFIXED.fullmatch(text)
        if match is None or (match["prefix"] or "") not in PREFIXES:
            raise make_error()
        text = PREFIXES[match["prefix"] or ""] + match["local"]
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*", text) or not re.match(r"[A-Za-z][A-Za-z0-9+.-]*://.", text):
        raise make_error()
    try:
        return ox.NamedNode(text)
    except ValueError:
        raise make_error() from None


def parse(path: Path) -> NamedQuery:
    """A NamedQuery from one ``.rq`` file; InputError names the file and line of a bad header."""
    name = path.stem
    sparql = path.read_text(encoding="utf-8")
    titles: dict[str, str] = {}
    description: list[str] = []
    params: list[Param] = []
    columns: list[Column] = []
    for number, line in enumerate(sparql.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        where = f"{path}:{number}"
        match = _HEADER_LINE.match(stripped)
        if match is None:
            continue
        key, value = match["key"], match["value"].strip()
        if key.startswith("title@"):
            titles[key.split("@", 1)[1].lower()] = value
        elif key == "description":
            description.append(value)
        elif key == "column":
            columns.append(_parse_column(value, where))
        else:
            params.append(_parse_param(value, where))
    for lang in ("en", "fi"):
        if lang not in titles:
            raise InputError(f"{path}: the header has no 'title@{lang}:' line")
    for param in params:
        if not re.search(r"[?$]" + re.escape(param.name) + r"\b", sparql):
            raise InputError(f"{path}: parameter {param.name!r} is not a variable (?{param.name}) of the query")
    projection = re.search(r"\bSELECT\b(.*?)(?:\bWHERE\b|\{)", sparql, flags=re.IGNORECASE | re.DOTALL)
    for param in params:
        # pyoxigraph substitutes only variables of the SELECT projection.
        if projection is None or not re.search(r"[?$]" + re.escape(param.name) + r"\b", projection.group(1)):
            raise InputError(f"{path}: parameter {param.name!r} must be in the SELECT clause (pyoxigraph binds only projected variables)")
    if len({p.name for p in params}) != len(params):
        raise InputError(f"{path}: a parameter is declared twice")
    for column in columns:
        for variable in column.variables:
            if projection is None or not re.search(r"[?$]" + re.escape(variable) + r"\b", projection.group(1)):
                raise InputError(f"{path}: column {variable!r} is not a variable of the SELECT clause")
    declared = [v for c in columns for v in c.variables]
    if len(set(declared)) != len(declared):
        raise InputError(f"{path}: a column variable is declared twice")
    return NamedQuery(name, path, sparql, titles, " ".join(description), tuple(params), tuple(columns))


def _parse_column(value: str, where: str) -> Column:
    names, _, rest = value.strip().partition(" ")
    variables = tuple(names.split("/"))
    if not 1 <= len(variables) <= 2 or not all(_NAME.fullmatch(v) for v in variables):
        raise InputError(f"{where}: 'column:' needs VARIABLE or FINNISH/ENGLISH variables, then lang=Heading | ..., got {value!r}")
    headings = {m["lang"]: m["text"].strip() for m in _HEADING.finditer(rest)}
    if not {"fi", "en"} <= set(headings):
        raise InputError(f"{where}: column {names!r} needs headings fi=... | en=..., got {rest.strip()!r}")
    return Column(variables, headings)


def _parse_param(value: str, where: str) -> Param:
    parts = value.split(None, 3)
    if len(parts) < 3:
        raise InputError(f"{where}: 'param:' needs NAME TYPE required|optional|default=VALUE [description], got {value!r}")
    name, kind, requirement = parts[:3]
    text = parts[3].strip() if len(parts) > 3 else ""
    if not _NAME.fullmatch(name):
        raise InputError(f"{where}: parameter name {name!r} is not a SPARQL variable name")
    if kind not in PARAM_TYPES:
        raise InputError(f"{where}: parameter {name!r} has type {kind!r}; use one of {', '.join(PARAM_TYPES)}")
    default = None
    if requirement.startswith("default="):
        default = requirement[len("default="):]
        if len(default) >= 2 and default[0] == default[-1] == '"' and kind != "literal":
            default = default[1:-1]
        if not default:
            raise InputError(f"{where}: parameter {name!r} has an empty default")
    elif requirement not in ("required", "optional"):
        raise InputError(f"{where}: parameter {name!r}: {requirement!r} is not required, optional or default=VALUE")
    return Param(name, kind, requirement == "required", default, text)


@cache
def _load_dir(folder: Path) -> dict[str, NamedQuery]:
    return {path.stem: parse(path) for path in sorted(folder.glob("*.rq"))}


def all_queries(folder: Path | None = None) -> dict[str, NamedQuery]:
    """Every named query, by name, sorted by name."""
    return dict(_load_dir((folder or resources.queries_dir()).resolve()))


def get(name: str, folder: Path | None = None) -> NamedQuery:
    """The query called ``name`` (its file name without ``.rq``); InputError lists the names."""
    queries = all_queries(folder)
    if name not in queries:
        raise InputError(f"no named query {name!r}; the named queries are: {', '.join(queries)}")
    return queries[name]


def from_argument(argument: Path) -> tuple[str, NamedQuery | None]:
    """The query a command line names: a file (a named query when its header has titles) or a query name.

    ``queries/search.rq`` is read from the file when it exists; a bare ``search`` (or a path that
    does not exist, by its stem) is looked up among the named queries.
    """
    if argument.is_file():
        try:
            sparql = argument.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{argument}: cannot read the query: {error}") from error
        if not re.search(r"^\s*#\s*title@", sparql.split("\n\n", 1)[0], flags=re.MULTILINE):
            return sparql, None
        named = parse(argument)
        return named.sparql, named
    if argument.suffix in ("", ".rq") and _QUERY_NAME.fullmatch(argument.stem):
        named = get(argument.stem)
        return named.sparql, named
    raise InputError(f"{argument}: no such file, and not the name of a named query")


def parse_assignments(pairs: list[str] | None) -> dict[str, str]:
    """``NAME=VALUE`` strings (``--param``) as a dict; InputError for one without ``=``."""
    values: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--param {pair!r}: expected NAME=VALUE")
        values[name.strip()] = value
    return values
