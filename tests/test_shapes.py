"""The ontology, the SHACL shapes and the OWL-RL promises, on small inline plans.

Validation here is run the way the build runs it: the ontology is part of the data graph and
no inference happens first, so a shape that only works on inferred triples fails these tests.
"""

from __future__ import annotations

import time
from pathlib import Path

import owlrl
import pyshacl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_DIR = ROOT / "ontology"
SDG_GOALS = ROOT / "data" / "sdg" / "sdg-goals.ttl"

KG = Namespace("https://w3id.org/kemi-graph/ontology#")
SDG = Namespace("http://metadata.un.org/sdg/")
SH = Namespace("http://www.w3.org/ns/shacl#")
EX = Namespace("https://example.org/")

PREFIXES = """
@prefix kg:   <https://w3id.org/kemi-graph/ontology#> .
@prefix sdg:  <http://metadata.un.org/sdg/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix ex:   <https://example.org/> .
"""

# A minimal plan that follows docs/data-model.md: one strategic goal with one objective, and
# under it one action, responsibility, indicator (with a target) and result (with a period,
# a status and a measurement). Texts are from the Kemi welfare plan, row 1.
MINIMAL_PLAN = PREFIXES + """
ex:town a kg:Municipality ;
    skos:prefLabel "Esimerkkikunta"@fi ;
    kg:municipalityCode "999" .

ex:welfare a kg:OrganisationalUnit ;
    skos:prefLabel "hyvinvointitoimiala"@fi , "welfare sector"@en ;
    org:unitOf ex:town .

ex:headOfEce a kg:Post ;
    skos:prefLabel "Varhaiskasvatuspäällikkö"@fi , "Head of Early Childhood Education"@en ;
    org:postIn ex:welfare .

ex:strategy a kg:Strategy ;
    skos:prefLabel "Kaupunkistrategia"@fi ;
    dct:publisher ex:town ;
    kg:municipality ex:town .

ex:doc a kg:SourceDocument ;
    dct:title "Kaupunkistrategian toimeenpano ja seuranta, hyvinvointi"@fi .

ex:plan a kg:ImplementationPlan ;
    skos:prefLabel "Hyvinvointitoimialan toimeenpanosuunnitelma"@fi ;
    kg:implements ex:strategy ;
    kg:preparedBy ex:welfare ;
    kg:source ex:doc ;
    kg:municipality ex:town .

ex:y2023 a time:ProperInterval ;
    time:hasBeginning ex:y2023-begin ;
    time:hasEnd ex:y2023-end .
ex:y2023-begin a time:Instant ; time:inXSDDate "2023-01-01"^^xsd:date .
ex:y2023-end a time:Instant ; time:inXSDDate "2023-12-31"^^xsd:date .

ex:goal a kg:StrategicGoal ;
    kg:plan ex:plan ;
    kg:verbatimText "ELINVOIMAINEN KAUPUNKI"@fi ;
    skos:prefLabel "ELINVOIMAINEN KAUPUNKI"@fi , "A vital city"@en ;
    kg:sdg sdg:3 ;
    kg:sourceLocation ex:goal-source-1 .
ex:goal-source-1 a kg:SourceLocation ;
    kg:sourceDocument ex:doc ;
    kg:part 1 ;
    kg:column kg:headingRow ;
    kg:line 3 ;
    kg:sourceText "Strateginen päämäärä: ELINVOIMAINEN KAUPUNKI, hyvinvointi"@fi ;
    kg:columnHeading "Tavoite"@fi , "Toimenpiteet"@fi .

ex:objective a kg:Objective ;
    kg:plan ex:plan ;
    kg:strategicGoal ex:goal ;
    kg:verbatimText "Vihreä ja kestävä Kemi lisää vetovoimaamme sekä sekä torjuu ilmastonmuutosta."@fi ;
    kg:correctedText "Vihreä ja kestävä Kemi lisää vetovoimaamme sekä torjuu ilmastonmuutosta."@fi ;
    kg:sourceLocation ex:objective-source-1 .
ex:objective-source-1 a kg:SourceLocation ;
    kg:sourceDocument ex:doc ; kg:part 1 ; kg:row 1 ; kg:line 6 ;
    kg:column kg:objectiveColumn ;
    kg:sourceText "Vihreä ja kestävä Kemi lisää vetovoimaamme sekä sekä torjuu ilmastonmuutosta."@fi .

ex:action a kg:Action ;
    kg:plan ex:plan ;
    kg:objective ex:objective ;
    kg:verbatimText "Ympäristösertifiointi laajenee päiväkodeille"@fi ;
    skos:prefLabel "Environmental certification extends to day-care centres"@en ;
    kg:sourceLocation ex:action-source-1 .
ex:action-source-1 a kg:SourceLocation ;
    kg:sourceDocument ex:doc ; kg:part 1 ; kg:row 1 ; kg:line 6 ;
    kg:column kg:actionColumn ;
    kg:sourceText "Ympäristösertifiointi laajenee päiväkodeille"@fi .

ex:responsibility a kg:Responsibility ;
    kg:responsibilityOf ex:objective ;
    kg:verbatimText "Varhaiskasvatuspäällikkö 2023"@fi ;
    kg:responsiblePost ex:headOfEce ;
    kg:schedule ex:y2023 ;
    kg:sourceLocation ex:responsibility-source-1 .
ex:responsibility-source-1 a kg:SourceLocation ;
    kg:sourceDocument ex:doc ; kg:part 1 ; kg:row 1 ; kg:line 6 ;
    kg:column kg:responsibilityColumn ;
    kg:sourceText "Varhaiskasvatuspäällikkö 2023"@fi .

ex:indicator a kg:Indicator ;
    kg:plan ex:plan ;
    kg:indicatorOf ex:objective ;
    kg:verbatimText "Päiväkodeista auditoitu 80 % vuoden 2023 loppuun mennessä."@fi ;
    kg:target ex:indicator-target ;
    kg:status kg:notAchieved ;
    kg:sourceLocation ex:indicator-source-1 .
ex:indicator-source-1 a kg:SourceLocation ;
    kg:sourceDocument ex:doc ; kg:part 1 ; kg:row 1 ; kg:line 6 ;
    kg:column kg:indicatorColumn ;
    kg:sourceText "Päiväkodeista auditoitu 80 % vuoden 2023 loppuun mennessä."@fi .
ex:indicator-target a kg:Target ;
    kg:targetValue 80.0 ;
    kg:unit unit:PERCENT ;
    kg:deadline "2023-12-31"^^xsd:date .

ex:result a kg:Result ;
    kg:plan ex:plan ;
    kg:resultOf ex:objective ;
    kg:period ex:y2023 ;
    kg:answers ex:indicator ;
    kg:status kg:notAchieved ;
    kg:verbatimText "Päiväkodeista auditoitu 5, auditointimatta 3"@fi ;
    kg:measurement ex:result-measurement-1 ;
    kg:sourceLocation ex:result-source-1 .
ex:result-source-1 a kg:SourceLocation ;
    kg:sourceDocument ex:doc ; kg:part 1 ; kg:row 1 ; kg:line 6 ;
    kg:column kg:resultColumn ;
    kg:sourceText "Päiväkodeista auditoitu 5, auditointimatta 3"@fi .
ex:result-measurement-1 a kg:Measurement ;
    kg:measurementOf ex:result ;
    kg:measures ex:indicator ;
    kg:value 5.0 ;
    kg:period ex:y2023 ;
    rdfs:label "auditoidut päiväkodit"@fi , "audited day-care centres"@en .
"""


@pytest.fixture(scope="session")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "kemi-graph.ttl")


@pytest.fixture(scope="session")
def external_axioms() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "external-axioms.ttl")


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "shapes.ttl")


@pytest.fixture(scope="session")
def sdg_goals() -> Graph:
    return Graph().parse(SDG_GOALS)


@pytest.fixture
def plan(ontology: Graph, sdg_goals: Graph) -> Graph:
    """A fresh data graph per test: ontology + SDG goals + the minimal plan."""
    g = Graph()
    g += ontology
    g += sdg_goals
    g.parse(data=MINIMAL_PLAN, format="turtle")
    return g


class Report:
    def __init__(self, conforms: bool, graph: Graph, text: str, data: Graph) -> None:
        self.conforms = conforms
        self.graph = graph
        self.text = text
        self.data = data

    def violations(self) -> list[tuple[URIRef, URIRef | None, str]]:
        """(focus node, path, message) of every sh:Violation."""
        rows = []
        for result in self.graph.subjects(SH.resultSeverity, SH.Violation):
            rows.append(
                (
                    self.graph.value(result, SH.focusNode),
                    self.graph.value(result, SH.resultPath),
                    str(self.graph.value(result, SH.resultMessage)),
                )
            )
        return rows

    def assert_violation(self, focus: URIRef, path: URIRef, message_part: str) -> None:
        assert not self.conforms, self.text
        hits = [v for v in self.violations() if v[0] == focus and v[1] == path]
        assert hits, f"no violation on {focus} {path}:\n{self.text}"
        assert any(message_part in message for _, _, message in hits), hits
        # The human-readable report names the node the user has to fix (as a prefixed name
        # when the data graph binds a prefix for it, as ex: here).
        assert f"Focus Node: {focus.n3(self.data.namespace_manager)}" in self.text, self.text


def validate(data: Graph, shapes: Graph) -> Report:
    conforms, report_graph, report_text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=None,
        inference="none",
        allow_warnings=True,
    )
    return Report(conforms, report_graph, report_text, data)


# --- the valid plan ---------------------------------------------------------------------


def test_all_files_parse(ontology, external_axioms, shapes, sdg_goals):
    assert len(ontology) > 0 and len(external_axioms) > 0
    assert len(shapes) > 0 and len(sdg_goals) > 0


def test_minimal_plan_conforms(plan, shapes):
    report = validate(plan, shapes)
    assert report.conforms, report.text
    assert report.violations() == []


def test_minimal_plan_has_no_warnings_either(plan, shapes):
    report = validate(plan, shapes)
    warnings = list(report.graph.subjects(SH.resultSeverity, SH.Warning))
    assert warnings == [], report.text


# --- broken plans -----------------------------------------------------------------------


def test_objective_without_strategic_goal_is_a_violation(plan, shapes):
    plan.remove((EX.objective, KG.strategicGoal, None))
    validate(plan, shapes).assert_violation(
        EX.objective, KG.strategicGoal, "exactly one strategic goal"
    )


def test_objective_with_two_strategic_goals_is_a_violation(plan, shapes):
    plan.add((EX.goal2, RDF.type, KG.StrategicGoal))
    plan.add((EX.objective, KG.strategicGoal, EX.goal2))
    validate(plan, shapes).assert_violation(
        EX.objective, KG.strategicGoal, "exactly one strategic goal"
    )


def test_result_without_period_is_a_violation(plan, shapes):
    plan.remove((EX.result, KG.period, None))
    validate(plan, shapes).assert_violation(
        EX.result, KG.period, "exactly one reporting period"
    )


@pytest.mark.parametrize(
    "bad_sdg",
    [
        "https://example.org/sdg/3",  # not the UN's namespace
        "http://metadata.un.org/sdg/18",  # there are only 17 goals
        "http://metadata.un.org/sdg/3.8.1",  # indicators use the C-code, not 3.8.1
        "https://metadata.un.org/sdg/3",  # the UN KOS IRIs are http
    ],
)
def test_sdg_link_outside_the_un_kos_is_a_violation(plan, shapes, bad_sdg):
    plan.add((EX.objective, KG.sdg, URIRef(bad_sdg)))
    report = validate(plan, shapes)
    report.assert_violation(EX.objective, KG.sdg, "UN SDG KOS IRI")
    # Only the bad link is reported: the strategic goal's sdg:3 is fine.
    assert {v[0] for v in report.violations()} == {EX.objective}


def test_sdg_link_as_a_literal_is_a_violation(plan, shapes):
    plan.add((EX.objective, KG.sdg, Literal("3")))
    validate(plan, shapes).assert_violation(EX.objective, KG.sdg, "UN SDG KOS IRI")


@pytest.mark.parametrize(
    "good_sdg", ["17", "3.8", "3.d", "17.19", "C030801", "C200303"]
)
def test_un_goal_target_and_indicator_iris_are_accepted(plan, shapes, good_sdg):
    plan.add((EX.action, KG.sdg, SDG[good_sdg]))
    report = validate(plan, shapes)
    assert report.conforms, report.text


def test_verbatim_text_in_english_is_a_violation(plan, shapes):
    plan.remove((EX.action, KG.verbatimText, None))
    plan.add(
        (
            EX.action,
            KG.verbatimText,
            Literal("Environmental certification extends to day-care centres", lang="en"),
        )
    )
    validate(plan, shapes).assert_violation(EX.action, KG.verbatimText, "tagged @fi")


def test_verbatim_text_without_language_tag_is_a_violation(plan, shapes):
    plan.remove((EX.action, KG.verbatimText, None))
    plan.add((EX.action, KG.verbatimText, Literal("Ympäristösertifiointi laajenee päiväkodeille")))
    validate(plan, shapes).assert_violation(EX.action, KG.verbatimText, "tagged @fi")


def test_missing_verbatim_text_is_a_violation(plan, shapes):
    plan.remove((EX.indicator, KG.verbatimText, None))
    validate(plan, shapes).assert_violation(
        EX.indicator, KG.verbatimText, "exactly one verbatim text"
    )


def test_status_outside_the_scheme_is_a_violation(plan, shapes):
    plan.remove((EX.result, KG.status, None))
    plan.add((EX.result, KG.status, EX.mostlyDone))
    validate(plan, shapes).assert_violation(EX.result, KG.status, "kg:partlyAchieved")


def test_two_english_labels_are_a_violation(plan, shapes):
    plan.add((EX.action, SKOS.prefLabel, Literal("Another translation", lang="en")))
    validate(plan, shapes).assert_violation(EX.action, SKOS.prefLabel, "at most one per language")


def test_target_value_as_text_is_a_violation(plan, shapes):
    plan.remove((EX["indicator-target"], KG.targetValue, None))
    plan.add((EX["indicator-target"], KG.targetValue, Literal("80 %")))
    validate(plan, shapes).assert_violation(EX["indicator-target"], KG.targetValue, "xsd:decimal")


def test_element_without_source_location_is_a_violation(plan, shapes):
    plan.remove((EX.action, KG.sourceLocation, None))
    validate(plan, shapes).assert_violation(EX.action, KG.sourceLocation, "source location")


def test_source_location_with_line_zero_and_unknown_column_is_a_violation(plan, shapes):
    location = EX["action-source-1"]
    plan.remove((location, KG.line, None))
    plan.add((location, KG.line, Literal(0)))
    plan.remove((location, KG.column, None))
    plan.add((location, KG.column, KG.achieved))
    report = validate(plan, shapes)
    report.assert_violation(location, KG.line, "counted from 1")
    report.assert_violation(location, KG.column, "column scheme")


# --- the ontology -----------------------------------------------------------------------


def _kg_terms(ontology: Graph, kind: URIRef) -> set[URIRef]:
    return {s for s in ontology.subjects(RDF.type, kind) if str(s).startswith(str(KG))}


@pytest.mark.parametrize(
    "kind",
    [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, SKOS.Concept, SKOS.ConceptScheme],
    ids=lambda k: k.n3().rsplit("#", 1)[-1].rstrip(">"),
)
def test_every_term_has_finnish_and_english_label_and_definition(ontology, kind):
    terms = _kg_terms(ontology, kind)
    assert terms, f"no {kind} defined in kg:"
    missing = []
    for term in sorted(terms):
        for prop in (RDFS.label, SKOS.definition):
            langs = {o.language for o in ontology.objects(term, prop)}
            for lang in ("fi", "en"):
                if lang not in langs:
                    missing.append(f"{term} {prop} @{lang}")
        if kind in (SKOS.Concept, SKOS.ConceptScheme):
            langs = {o.language for o in ontology.objects(term, SKOS.prefLabel)}
            missing += [f"{term} skos:prefLabel @{lang}" for lang in ("fi", "en") if lang not in langs]
    assert missing == []


def test_status_scheme_has_the_five_statuses_with_finnish_labels(ontology):
    expected = {
        KG.achieved: ("achieved", "saavutettu"),
        KG.partlyAchieved: ("partlyAchieved", "osittain saavutettu"),
        KG.notAchieved: ("notAchieved", "ei saavutettu"),
        KG.noTarget: ("noTarget", "ei tavoitetasoa"),
        KG.notKnown: ("notKnown", "ei tiedossa"),
    }
    assert set(ontology.subjects(SKOS.inScheme, KG.StatusScheme)) == set(expected)
    for status, (notation, fi) in expected.items():
        assert (status, SKOS.topConceptOf, KG.StatusScheme) in ontology
        assert (status, SKOS.notation, Literal(notation)) in ontology
        assert (status, SKOS.prefLabel, Literal(fi, lang="fi")) in ontology


def test_ontology_header(ontology):
    onto = URIRef("https://w3id.org/kemi-graph/ontology")
    assert (onto, RDF.type, OWL.Ontology) in ontology
    assert (onto, OWL.versionIRI, URIRef("https://w3id.org/kemi-graph/ontology/0.1.0")) in ontology
    assert (onto, OWL.versionInfo, Literal("0.1.0")) in ontology
    dct = Namespace("http://purl.org/dc/terms/")
    assert (onto, dct.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in ontology


def test_sdg_goals_graph_has_17_goals_in_finnish_and_english(sdg_goals):
    sdgo = Namespace("http://metadata.un.org/sdg/ontology#")
    schema = Namespace("http://schema.org/")
    goals = set(sdg_goals.subjects(RDF.type, sdgo.Goal))
    assert goals == {SDG[str(n)] for n in range(1, 18)}
    for goal in goals:
        for prop in (SKOS.prefLabel, SKOS.altLabel):
            assert {o.language for o in sdg_goals.objects(goal, prop)} == {"fi", "en"}
        assert (goal, SKOS.notation, Literal(str(goal).rsplit("/", 1)[1])) in sdg_goals
        assert str(sdg_goals.value(goal, schema.color)).startswith("#")
    assert (SDG["3"], SKOS.altLabel, Literal("Good health and well-being", lang="en")) in sdg_goals
    assert (SDG["3"], SKOS.altLabel, Literal("Terveyttä ja hyvinvointia", lang="fi")) in sdg_goals
    assert (SDG["3"], schema.color, Literal("#4C9F38")) in sdg_goals


# --- OWL-RL -----------------------------------------------------------------------------

REASONING_FIXTURE = PREFIXES + """
ex:goal a kg:StrategicGoal ; kg:sdg sdg:3 .
ex:objective a kg:Objective ; kg:strategicGoal ex:goal .
ex:action a kg:Action ; kg:objective ex:objective .
"""


@pytest.fixture(scope="module")
def reasoned(ontology, external_axioms) -> Graph:
    g = Graph()
    g += ontology
    g += external_axioms
    g.parse(data=REASONING_FIXTURE, format="turtle")
    started = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    # Reported, not asserted (timing asserts are flaky); run pytest -s to see it.
    print(f"\nOWL-RL expansion of ontology + external axioms + fixture: "
          f"{time.perf_counter() - started:.2f} s, {len(g)} triples")
    return g


def test_owlrl_adds_the_inverse_link(reasoned):
    assert (EX.goal, KG.hasObjective, EX.objective) in reasoned
    assert (EX.objective, KG.hasAction, EX.action) in reasoned


def test_owlrl_adds_superclasses(reasoned):
    assert (EX.objective, RDF.type, KG.StrategyElement) in reasoned
    assert (EX.objective, RDF.type, SKOS.Concept) in reasoned


def test_owlrl_reaches_the_strategic_goal_from_an_action(reasoned):
    assert (EX.action, SKOS.broaderTransitive, EX.goal) in reasoned
    assert (EX.goal, SKOS.narrowerTransitive, EX.action) in reasoned


def test_owlrl_lets_an_action_inherit_its_strategic_goals_sdg(reasoned):
    assert (EX.action, KG.inheritedSdg, SDG["3"]) in reasoned
    assert (EX.objective, KG.inheritedSdg, SDG["3"]) in reasoned


def test_inherited_sdg_stays_apart_from_asserted_sdg(reasoned):
    # The goal's own link is not "inherited", and the action gets no asserted kg:sdg.
    assert (EX.goal, KG.inheritedSdg, SDG["3"]) not in reasoned
    assert (EX.action, KG.sdg, SDG["3"]) not in reasoned


# --- suggested SDG links ----------------------------------------------------------------------


def _suggestion(plan: Graph, code: str, target: bool) -> URIRef:
    """An SDG suggestion on the plan's action: of a target ("3.4") or, goal-level, of a goal ("3")."""
    node = EX[f"suggestion-{code}"]
    plan.add((node, RDF.type, KG.SdgSuggestion))
    plan.add((node, KG.suggestionOf, EX.action))
    if target:
        plan.add((node, KG.suggestedTarget, SDG[code]))
    plan.add((node, KG.suggestedGoal, SDG[code.split(".")[0]]))
    plan.add((node, KG.score, Literal("0.89", datatype=XSD.decimal)))
    plan.add((node, KG.matchedTerm, Literal("liikunta", lang="fi")))
    plan.add((node, KG.evidenceClass, Literal("goal" if not target else "core")))
    plan.add((node, KG.targetWording, Literal("Ensure healthy lives and promote well-being for all at all ages", lang="en")))
    plan.add((node, PROV.wasGeneratedBy, EX.activity))
    return node


def test_a_goal_level_suggestion_without_a_target_conforms(plan, shapes):
    _suggestion(plan, "3", target=False)
    _suggestion(plan, "3.4", target=True)
    report = validate(plan, shapes)
    assert report.conforms, report.text


def test_a_suggestion_naming_neither_goal_nor_target_is_a_violation(plan, shapes):
    node = _suggestion(plan, "3", target=False)
    plan.remove((node, KG.suggestedGoal, None))
    validate(plan, shapes).assert_violation(node, KG.suggestedGoal, "exactly one UN SDG goal IRI")
