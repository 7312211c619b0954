"""Suggested SDG links: the UN targets' key concepts, in Finnish, found in each element's own text.

The method (``METHOD_DESCRIPTION``, version ``METHOD_VERSION`` + the lexicon's own version):

1. Text: the element's verbatim Finnish text (city graph) and, where the project recorded one,
   its corrected spelling (interpretation graph). Never a translation: imported municipalities
   have none, and the method must serve them alike.
2. Words: each word's written form and simplemma lemma, with compounds split against the
   lexicon's words (kemi_graph/pipeline/finnish.py).
3. Veto: an element with a negative term (administration, IT systems, communication channels)
   gets nothing.
4. Evidence per target: core terms and cue terms of the lexicon (data/sdg/fi-target-concepts.yaml)
   found in the element's own text. The element's objective is its context: the targets the
   objective's own text names by a core term.
5. Evidence class: ``core+context`` (a core term, and the objective names the same target),
   ``core``, ``cues`` (two cue terms), ``cue+context`` (one cue term, and the objective names
   the same target). No other evidence makes a suggestion: the objective never gives a
   target to an element whose own text says nothing of it.
   Goal level: an element that gets no target of a goal, but whose own text has one of the
   goal's terms (the lexicon's ``goals``: words of the goal's field that fit no single target,
   such as "liikunta"), is suggested the goal itself, evidence class ``goal``. A goal term counts
   as a whole word or as the head of a compound that is no lexicon term itself ("työhyvinvointi"
   is a term of 8.8, so its "hyvinvointi" gives no goal 3), and not inside a matched multi-word
   target term ("kestävä liikkuminen" is 11.2, not goal 3).
6. Score: the class's calibrated precision (the lexicon's ``calibration``). Every suggestion is
   in the graph with its evidence; ``kg:suggestedSdg`` and the default views show only those
   at or above the lexicon's ``threshold`` (kept on the method as ``kg:scoreThreshold``).

Nothing here depends on time, randomness or set order, so two builds give the same triples.
The suggestions go to their own graph, ``{base}/graph/{m}/suggested``, never to the city graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from kemi_graph.pipeline.finnish import forms, parts, tokens
from kemi_graph.pipeline.load import new_graph
from kemi_graph.pipeline.sdg_lexicon import Lexicon, Term, load_lexicon
from kemi_graph.namespaces import KG, SDG, Iris

METHOD_VERSION = "2.1"
METHOD_NAME = "sdg-concept-match"
PROJECT = URIRef("https://w3id.org/kemi-graph")
ELEMENT_CLASSES = (KG.Objective, KG.Action, KG.Indicator, KG.Result)
OBJECTIVE_OF = (KG.objective, KG.indicatorOf, KG.resultOf)
METHOD_DESCRIPTION = (
    "Suggested SDG targets by the UN targets' key concepts in Finnish (kemi-graph sdg-concept-match). "
    "The project's lexicon (data/sdg/fi-target-concepts.yaml) gives each of the 169 UN SDG targets its UN "
    "wording, a Finnish rendering, core terms that name the target's subject and cue terms of its field, "
    "written from the UN target and indicator texts. The element's verbatim Finnish text and its corrected "
    "spelling are split into words; each word's written form and simplemma lemma (language fi) and its "
    "compound parts found in the lexicon are matched. An element with a negative term (administration, IT "
    "systems, communication channels) gets nothing. A target is suggested on a core term in the element's "
    "own text, on two cue terms, or on one cue term when the element's objective names the same target by "
    "a core term. An element that gets no target of a goal but names the goal's field by one of its goal terms "
    "(words of the field that fit no single target) is suggested the goal itself. The score is the calibrated "
    "precision of the evidence class. Suggestions under the "
    "lexicon's threshold are kept with their score but not shown by default. Deterministic; a suggestion, "
    "not a statement of the city."
)


@dataclass(frozen=True)
class Match:
    """Evidence for one (element, target or goal): the class, its score and the terms found."""

    evidence: str
    score: Decimal
    terms: tuple[str, ...]


class Matcher:
    """The lexicon turned around: which target a word or phrase is a core or cue term of, which goal a goal term of."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.single: dict[str, list[tuple[str, str, Term]]] = {}
        self.phrases: list[tuple[str, str, Term]] = []
        for code, target in lexicon.targets.items():
            for kind, terms in (("core", target.core), ("cue", target.cue)):
                for term in terms:
                    if len(term.words) == 1:
                        self.single.setdefault(term.words[0], []).append((code, kind, term))
                    else:
                        self.phrases.append((code, kind, term))
        for code, goal in lexicon.goals.items():
            for term in goal.terms:
                if len(term.words) == 1:
                    self.single.setdefault(term.words[0], []).append((code, "goal", term))
                else:
                    self.phrases.append((code, "goal", term))
        self.negative = frozenset(t.words[0] for t in lexicon.negative if len(t.words) == 1)
        self.negative_phrases = tuple(t.words for t in lexicon.negative if len(t.words) > 1)

    def evidence(self, texts: Iterable[str]) -> dict[str, dict[str, list[str]]] | None:
        """target or goal code → {"core": [terms], "cue": [terms], "goal": [terms]} found in the texts; None when a negative term vetoes."""
        words: list[frozenset[str]] = []
        for text in texts:
            words += [forms(token, self.lexicon.words) for token in tokens(text)] + [frozenset()]
        alone: dict[str, bool] = {}  # lexicon word found -> somewhere a whole word, or the head of a compound that is no lexicon word
        for word in words:
            split = parts(word, self.lexicon.words)
            for part, place in split.items():
                if part in self.negative:
                    return None
                whole = place == "word" or (place == "head" and not any(p != part and p.endswith(part) and split[p] == "word" for p in split))
                alone[part] = alone.get(part, False) or whole
        if any(_phrase_at(words, phrase) for phrase in self.negative_phrases):
            return None
        phrases = [(code, kind, term) for code, kind, term in self.phrases if _phrase_at(words, term.words)]
        in_target_phrase = {word for _, kind, term in phrases if kind != "goal" for word in term.words}
        hits: dict[str, dict[str, list[str]]] = {}
        for part in sorted(alone):
            for code, kind, term in self.single.get(part, ()):
                if kind != "goal" or (alone[part] and part not in in_target_phrase):
                    hits.setdefault(code, {"core": [], "cue": [], "goal": []})[kind].append(term.text)
        for code, kind, term in phrases:
            hits.setdefault(code, {"core": [], "cue": [], "goal": []})[kind].append(term.text)
        return hits

    def judge(self, hits: dict[str, dict[str, list[str]]], context: frozenset[str]) -> dict[str, Match]:
        """The suggestions the evidence makes, given the targets the objective names (``context``)."""
        calibration = self.lexicon.calibration
        found: dict[str, Match] = {}
        for code, terms in hits.items():
            if "." not in code:
                continue
            core, cue = sorted(set(terms["core"])), sorted(set(terms["cue"]))
            if core:
                evidence = "core+context" if code in context else "core"
            elif len(cue) >= 2:
                evidence = "cues"
            elif cue and code in context:
                evidence = "cue+context"
            else:
                continue
            found[code] = Match(evidence, calibration[evidence], tuple(core + cue))
        goals_of_targets = {code.split(".", 1)[0] for code in found}
        for code, terms in hits.items():
            if "." not in code and terms["goal"] and code not in goals_of_targets:
                found[code] = Match("goal", calibration["goal"], tuple(sorted(set(terms["goal"]))))
        return found


def _phrase_at(words: list[frozenset[str]], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(all(phrase[j] in words[i + j] for j in range(n)) for i in range(len(words) - n + 1))


def core_targets(hits: dict[str, dict[str, list[str]]] | None) -> frozenset[str]:
    return frozenset(code for code, terms in (hits or {}).items() if terms["core"])


def suggest(city: Graph, interpretation: Graph, iris: Iris, municipality: str, lexicon: Lexicon | None = None) -> Graph:
    """The suggested-links graph of one municipality, with the evidence and the PROV of the method."""
    matcher = Matcher(lexicon or load_lexicon())
    graph = new_graph()
    graph_iri = iris.municipality_graph(municipality, "suggested")
    activity = iris.of_municipality(municipality, "activity", "sdg-suggestion")
    method = URIRef(f"{iris.base}/id/method/{METHOD_NAME}")
    elements = sorted({s for cls in ELEMENT_CLASSES for s in city.subjects(RDF.type, cls) if isinstance(s, URIRef)})
    hits = {element: matcher.evidence(_texts(city, interpretation, element)) for element in elements}
    for element in elements:
        objective = next((o for p in OBJECTIVE_OF for o in city.objects(element, p) if isinstance(o, URIRef)), None)
        context = core_targets(hits.get(objective)) if objective is not None else frozenset()
        found = matcher.judge(hits[element], context) if hits[element] is not None else {}
        for code, match in sorted(found.items(), key=lambda item: _code_key(item[0])):
            _add(graph, matcher.lexicon, element, code, match, activity, objective if code in context else None)
    _provenance(graph, graph_iri, activity, method, matcher.lexicon, iris.municipality_graph(municipality, "city"))
    return graph


def _texts(city: Graph, interpretation: Graph, element: URIRef) -> list[str]:
    return sorted(str(o) for o in city.objects(element, KG.verbatimText)) + sorted(str(o) for o in interpretation.objects(element, KG.correctedText))


def _add(graph: Graph, lexicon: Lexicon, element: URIRef, code: str, match: Match, activity: URIRef, objective: URIRef | None) -> None:
    """One suggestion node; a goal-level suggestion (code "3") names its goal and no target."""
    sdg = SDG[code]
    node = URIRef(f"{element}/sdg-suggestion/{code}")
    goal, _, target = code.partition(".")
    wording = lexicon.targets[code] if target else lexicon.goals[code]
    if match.score >= lexicon.threshold:
        graph.add((element, KG.suggestedSdg, sdg))
    graph.add((node, RDF.type, KG.SdgSuggestion))
    graph.add((node, KG.suggestionOf, element))
    if target:
        graph.add((node, KG.suggestedTarget, sdg))
    graph.add((node, KG.suggestedGoal, SDG[goal]))
    graph.add((node, KG.score, Literal(match.score, datatype=XSD.decimal)))
    graph.add((node, KG.evidenceClass, Literal(match.evidence)))
    for text in match.terms:
        graph.add((node, KG.matchedTerm, Literal(text, lang="fi")))
    graph.add((node, KG.targetWording, Literal(wording.en, lang="en")))
    graph.add((node, KG.targetWording, Literal(wording.fi, lang="fi")))
    if objective is not None:
        graph.add((node, PROV.wasDerivedFrom, objective))
    graph.add((node, PROV.wasGeneratedBy, activity))


def _code_key(code: str) -> tuple[int, int, str]:
    """Goal number, then the goal itself before its targets, 3.4 before 3.10 before 3.a."""
    goal, _, target = code.partition(".")
    return (int(goal), int(target) if target.isdigit() else (1000 if target else -1), target)


def _provenance(graph: Graph, graph_iri: URIRef, activity: URIRef, method: URIRef, lexicon: Lexicon, city: URIRef) -> None:
    import simplemma

    lemmatiser = getattr(simplemma, "__version__", "unknown")
    source = URIRef(f"{method}/lexicon")
    graph.add((graph_iri, RDF.type, PROV.Entity))
    graph.add((graph_iri, PROV.wasGeneratedBy, activity))
    graph.add((graph_iri, PROV.wasDerivedFrom, city))
    graph.add((graph_iri, PROV.wasAttributedTo, PROJECT))
    graph.add((graph_iri, DCTERMS.description, Literal(METHOD_DESCRIPTION, lang="en")))
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, RDFS.label, Literal("SDG-alatavoitteiden ehdottaminen käsitehaulla", lang="fi")))
    graph.add((activity, RDFS.label, Literal("Suggesting SDG targets by their key concepts", lang="en")))
    for used in (source, method, city):
        graph.add((activity, PROV.used, used))
    graph.add((activity, PROV.wasAssociatedWith, PROJECT))
    graph.add((activity, RDFS.comment, Literal(f"Lemmatiser: simplemma {lemmatiser}, language fi.", lang="en")))
    graph.add((method, RDF.type, PROV.Plan))
    graph.add((method, RDFS.label, Literal(METHOD_NAME, lang="en")))
    graph.add((method, DCTERMS.description, Literal(METHOD_DESCRIPTION, lang="en")))
    graph.add((method, OWL.versionInfo, Literal(METHOD_VERSION)))
    graph.add((method, KG.scoreThreshold, Literal(lexicon.threshold, datatype=XSD.decimal)))
    graph.add((source, RDF.type, PROV.Entity))
    graph.add((source, RDFS.label, Literal("Finnish key concepts of the UN SDG targets (kemi-graph)", lang="en")))
    graph.add((source, DCTERMS.source, Literal("data/sdg/fi-target-concepts.yaml")))
    graph.add((source, OWL.versionInfo, Literal(lexicon.version)))
    graph.add((source, DCTERMS.identifier, Literal(f"sha256:{lexicon.sha256}")))
    graph.add((source, PROV.wasAttributedTo, PROJECT))


def summary(graph: Graph) -> dict[str, Any]:
    """Counts for logs and tests: suggestions, elements, targets, goals."""
    nodes = set(graph.subjects(RDF.type, KG.SdgSuggestion))
    return {
        "suggestions": len(nodes),
        "elements": len({graph.value(n, KG.suggestionOf) for n in nodes}),
        "targets": len({graph.value(n, KG.suggestedTarget) for n in nodes} - {None}),
        "goals": len({graph.value(n, KG.suggestedGoal) for n in nodes}),
    }
