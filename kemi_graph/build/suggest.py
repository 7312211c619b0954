"""Suggested SDG links: a documented, deterministic term match over each element's Finnish text.

The method (``METHOD_DESCRIPTION``, version ``METHOD_VERSION`` + the term list's own version):

1. Text: the element's verbatim Finnish text (city graph) and, where the project recorded one,
   its corrected spelling (interpretation graph).
2. Tokens: lower-cased runs of letters and digits (``\\w+``); each is lemmatised with simplemma
   (language ``fi``). Terms of the term list are tokenised and lemmatised the same way.
3. Match: a term of several words matches where its lemmas stand next to each other in the
   text; a one-word term matches a lemma that equals it, or that is a Finnish compound starting
   or ending with it (term and the rest of the compound both at least 4 letters; compounds
   listed under ``no_split`` are never split).
4. Score of (element, target) = 1 - product(1 - weight) over the distinct terms matched
   (weights 0.3/0.5/0.8 in the term list), rounded to 3 decimals; a target is suggested when
   its score reaches ``min_score``. The goal is the target's goal.

Nothing here depends on time, randomness or set order, so two builds give the same triples.
The suggestions go to their own graph, ``{base}/graph/{m}/suggested``, never to the city graph.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from kemi_graph.build.load import new_graph
from kemi_graph.errors import InputError
from kemi_graph.namespaces import KG, SDG, Iris
from kemi_graph.resources import data_dir

TERMS_FILE = Path("sdg") / "fi-target-terms.yaml"
METHOD_VERSION = "1.0"
PROJECT = URIRef("https://w3id.org/kemi-graph")
ELEMENT_CLASSES = (KG.Objective, KG.Action, KG.Indicator, KG.Result)
METHOD_DESCRIPTION = (
    "Suggested SDG targets by Finnish term matching (kemi-graph sdg-term-match). The element's "
    "verbatim Finnish text and its corrected spelling are split into lower-cased word tokens and "
    "lemmatised with simplemma (language fi); the project's term list (data/sdg/fi-target-terms.yaml: "
    "UN SDG target code -> Finnish terms with weights 0.3/0.5/0.8) is lemmatised the same way. A "
    "multi-word term matches consecutive lemmas; a one-word term matches an equal lemma or the first "
    "or last part of a compound (both parts at least 4 letters, except listed compounds). Score of "
    "(element, target) = 1 - product(1 - weight) over the distinct matched terms, rounded to 3 "
    "decimals; a target is suggested when the score reaches the list's min_score. Deterministic; "
    "a suggestion, not a statement of the city."
)
_TOKEN = re.compile(r"\w+")
_TARGET_CODE = re.compile(r"^([1-9]|1[0-7])\.([1-9][0-9]?|[a-z])$")
_MIN_PART = 4


@dataclass(frozen=True)
class Term:
    text: str
    lemmas: tuple[str, ...]
    weight: Decimal


@dataclass(frozen=True)
class TermList:
    version: str
    min_score: Decimal
    no_split: frozenset[str]
    targets: dict[str, tuple[Term, ...]]
    sha256: str
    path: Path


@lru_cache(maxsize=65536)
def lemma(token: str) -> str:
    """simplemma's lemma, except that a compound is never cut down to its first part.

    For an unknown compound simplemma may return only its first part ("nuorisotakuu" →
    "nuoriso", "hyvinvointialueen" → "hyvinvointi"). When the lemma is a prefix of the token and
    the rest is a known Finnish word, the lemma is the prefix plus the rest's lemma
    ("nuorisotakuu", "hyvinvointialue"); inflection endings ("kouluilla" → "koulu") are no words.
    """
    import simplemma

    token = token.lower()
    found = simplemma.lemmatize(token, lang="fi").lower()
    rest = token[len(found) :]
    if token.startswith(found) and len(rest) >= _MIN_PART and not simplemma.is_known(token, "fi") and simplemma.is_known(rest, "fi"):
        return found + simplemma.lemmatize(rest, lang="fi").lower()
    return found


def lemmas(text: str) -> list[str]:
    return [lemma(token) for token in _TOKEN.findall(text.lower())]


def load_terms(path: Path | None = None) -> TermList:
    """Read and check the term list; errors name the file and the target at fault."""
    path = path or data_dir() / TERMS_FILE
    try:
        raw = path.read_bytes()
        document = yaml.safe_load(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InputError(f"{path}: cannot read the SDG term list: {error}") from error
    if not isinstance(document, Mapping) or not isinstance(document.get("targets"), Mapping):
        raise InputError(f"{path}: expected a mapping with 'targets'")
    default = Decimal(str(document.get("default_weight", "0.5")))
    targets: dict[str, tuple[Term, ...]] = {}
    for code, entry in document["targets"].items():
        code = str(code)
        if not _TARGET_CODE.match(code):
            raise InputError(f"{path}: targets.{code}: not a UN SDG target code such as 3.4 or 3.d")
        terms = (entry or {}).get("terms") or {}
        if not isinstance(terms, Mapping) or not terms:
            raise InputError(f"{path}: targets.{code}.terms: expected a mapping term -> weight")
        found = []
        for text, weight in terms.items():
            weight = default if weight is None else Decimal(str(weight))
            if not Decimal(0) < weight <= Decimal(1):
                raise InputError(f"{path}: targets.{code}.terms.{text}: weight {weight} is not in (0, 1]")
            found.append(Term(str(text), tuple(lemmas(str(text))), weight))
        targets[code] = tuple(found)
    return TermList(
        version=str(document.get("version", "")),
        min_score=Decimal(str(document.get("min_score", "0.5"))),
        no_split=frozenset(lemma(word) for word in document.get("no_split") or []),
        targets=targets,
        sha256=hashlib.sha256(raw).hexdigest(),
        path=path,
    )


def _word_matches(term: str, word: str, no_split: frozenset[str]) -> bool:
    if word == term:
        return True
    if word in no_split or len(term) < _MIN_PART or len(word) - len(term) < _MIN_PART:
        return False
    return word.startswith(term) or word.endswith(term)


def _term_matches(term: Term, words: list[str], no_split: frozenset[str]) -> bool:
    if len(term.lemmas) == 1:
        return any(_word_matches(term.lemmas[0], word, no_split) for word in words)
    n = len(term.lemmas)
    return any(tuple(words[i : i + n]) == term.lemmas for i in range(len(words) - n + 1))


def score(weights: Iterable[Decimal]) -> Decimal:
    """1 - product(1 - w), rounded to 3 decimals: in [0, 1], higher with more and stronger terms."""
    miss = Decimal(1)
    for weight in weights:
        miss *= Decimal(1) - weight
    return (Decimal(1) - miss).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def match_text(texts: Iterable[str], terms: TermList) -> dict[str, tuple[Decimal, list[str]]]:
    """target code → (score, matched terms in list order) for the targets whose score reaches min_score."""
    words: list[str] = []
    for text in texts:
        words += lemmas(text) + [""]  # "" keeps two texts from forming one phrase
    found: dict[str, tuple[Decimal, list[str]]] = {}
    for code, target_terms in terms.targets.items():
        matched = [term for term in target_terms if _term_matches(term, words, terms.no_split)]
        if not matched:
            continue
        value = score(term.weight for term in matched)
        if value >= terms.min_score:
            found[code] = (value, [term.text for term in matched])
    return found


def suggest(city: Graph, interpretation: Graph, iris: Iris, municipality: str, terms: TermList | None = None) -> Graph:
    """The suggested-links graph of one municipality, with the PROV of the method."""
    terms = terms or load_terms()
    graph = new_graph()
    graph_iri = iris.municipality_graph(municipality, "suggested")
    activity = iris.of_municipality(municipality, "activity", "sdg-suggestion")
    method = URIRef(f"{iris.base}/id/method/sdg-term-match")
    term_list = URIRef(f"{method}/terms")
    elements = sorted({s for cls in ELEMENT_CLASSES for s in city.subjects(RDF.type, cls) if isinstance(s, URIRef)})
    for element in elements:
        texts = sorted(str(o) for o in city.objects(element, KG.verbatimText))
        texts += sorted(str(o) for o in interpretation.objects(element, KG.correctedText))
        for code, (value, matched) in sorted(match_text(texts, terms).items(), key=lambda item: _code_key(item[0])):
            target = SDG[code]
            node = URIRef(f"{element}/sdg-suggestion/{code}")
            graph.add((element, KG.suggestedSdg, target))
            graph.add((node, RDF.type, KG.SdgSuggestion))
            graph.add((node, KG.suggestionOf, element))
            graph.add((node, KG.suggestedTarget, target))
            graph.add((node, KG.suggestedGoal, SDG[code.split(".", 1)[0]]))
            graph.add((node, KG.score, Literal(value, datatype=XSD.decimal)))
            for text in matched:
                graph.add((node, KG.matchedTerm, Literal(text, lang="fi")))
            graph.add((node, PROV.wasGeneratedBy, activity))
    _provenance(graph, graph_iri, activity, method, term_list, terms, iris.municipality_graph(municipality, "city"))
    return graph


def _code_key(code: str) -> tuple[int, int, str]:
    goal, target = code.split(".", 1)
    return (int(goal), int(target) if target.isdigit() else 1000, target)


def _provenance(
    graph: Graph, graph_iri: URIRef, activity: URIRef, method: URIRef, term_list: URIRef, terms: TermList, city: URIRef
) -> None:
    import simplemma

    lemmatiser = getattr(simplemma, "__version__", "unknown")
    graph.add((graph_iri, RDF.type, PROV.Entity))
    graph.add((graph_iri, PROV.wasGeneratedBy, activity))
    graph.add((graph_iri, PROV.wasDerivedFrom, city))
    graph.add((graph_iri, PROV.wasAttributedTo, PROJECT))
    graph.add((graph_iri, DCTERMS.description, Literal(METHOD_DESCRIPTION, lang="en")))
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, RDFS.label, Literal("SDG-alatavoitteiden ehdottaminen termihaulla", lang="fi")))
    graph.add((activity, RDFS.label, Literal("Suggesting SDG targets by term matching", lang="en")))
    graph.add((activity, PROV.used, term_list))
    graph.add((activity, PROV.used, method))
    graph.add((activity, PROV.used, city))
    graph.add((activity, PROV.wasAssociatedWith, PROJECT))
    graph.add((activity, RDFS.comment, Literal(f"Lemmatiser: simplemma {lemmatiser}, language fi.", lang="en")))
    graph.add((method, RDF.type, PROV.Plan))
    graph.add((method, RDFS.label, Literal("sdg-term-match", lang="en")))
    graph.add((method, DCTERMS.description, Literal(METHOD_DESCRIPTION, lang="en")))
    graph.add((method, OWL.versionInfo, Literal(METHOD_VERSION)))
    graph.add((term_list, RDF.type, PROV.Entity))
    graph.add((term_list, RDFS.label, Literal("Finnish terms per UN SDG target (kemi-graph)", lang="en")))
    graph.add((term_list, DCTERMS.source, Literal("data/sdg/fi-target-terms.yaml")))
    graph.add((term_list, OWL.versionInfo, Literal(terms.version)))
    graph.add((term_list, DCTERMS.identifier, Literal(f"sha256:{terms.sha256}")))
    graph.add((term_list, PROV.wasAttributedTo, PROJECT))


def summary(graph: Graph) -> dict[str, Any]:
    """Counts for logs and tests: suggestions, elements, targets, goals."""
    nodes = set(graph.subjects(RDF.type, KG.SdgSuggestion))
    return {
        "suggestions": len(nodes),
        "elements": len({graph.value(n, KG.suggestionOf) for n in nodes}),
        "targets": len({graph.value(n, KG.suggestedTarget) for n in nodes}),
        "goals": len({graph.value(n, KG.suggestedGoal) for n in nodes}),
    }
