"""The named query library (queries/*.rq): every question answered with its exact expected answer.

Expected answers are computed from the curated data (data/kemi/strategy.yaml), read here
independently of the converter, or hard-coded where they were checked against it by hand.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from kemi_graph import queries
from kemi_graph.pipeline.sdg_lexicon import load_lexicon
from kemi_graph.config import Settings
from kemi_graph.errors import InputError
from kemi_graph.store import open_read_only

REPO = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/kemi-graph"
ID = f"{BASE}/id/kemi/kaupunkistrategia"
KG = "https://w3id.org/kemi-graph/ontology#"
SDG = "http://metadata.un.org/sdg/"
STATUS = {"achieved": "achieved", "partly-achieved": "partlyAchieved", "not-achieved": "notAchieved", "no-target": "noTarget", "not-known": "notKnown"}
KINDS = ("actions", "responsibilities", "indicators", "results")
TYPE_OF = {"actions": "action", "responsibilities": "responsibility", "indicators": "indicator", "results": "result"}


# ---------------------------------------------------------------------------------------------
# The curated data, read independently
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kemi() -> dict[str, Any]:
    return yaml.safe_load((REPO / "data" / "kemi" / "strategy.yaml").read_text(encoding="utf-8"))


def goals(kemi: dict[str, Any]) -> list[dict[str, Any]]:
    return kemi["strategic_goals"]


def objectives(kemi: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(goal, objective) for goal in goals(kemi) for objective in goal["objectives"]]


def iri(kind: str, slug: str) -> str:
    return f"{ID}/{kind}/{slug}"


def answered(result: dict[str, Any]) -> list[str]:
    """The indicator ids a curated result answers (``answers`` is one id or a list)."""
    value = result.get("answers") or []
    return [value] if isinstance(value, str) else value


def texts(item: dict[str, Any]) -> list[str]:
    return [item[key] for key in ("fi", "fi_corrected", "en") if item.get(key)]


def all_elements(kemi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(IRI, type name, YAML item) of every goal, objective, action, responsibility, indicator, result."""
    found = []
    for goal in goals(kemi):
        found.append((iri("goal", goal["id"]), "StrategicGoal", goal))
        for objective in goal["objectives"]:
            found.append((iri("objective", objective["id"]), "Objective", objective))
            for kind in KINDS:
                for item in objective.get(kind, []):
                    found.append((iri(TYPE_OF[kind], item["id"]), TYPE_OF[kind].capitalize() if kind != "responsibilities" else "Responsibility", item))
    return found


# ---------------------------------------------------------------------------------------------
# Running queries
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(built_settings: Settings) -> ox.Store:
    return open_read_only(built_settings)


def value(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype.endswith(("#integer", "#int", "#long")):
            return int(term.value)
        if datatype.endswith(("#decimal", "#double")):
            return float(term.value)
        if datatype.endswith("#boolean"):
            return term.value == "true"
        return term.value
    return term.value


def run(store: ox.Store, name: str, **params: str) -> list[dict[str, Any]]:
    result = queries.get(name).run(store, params, base_iri=BASE)
    names = [v.value for v in result.variables]
    return [{n: value(solution[n]) for n in names} for solution in result]


# ---------------------------------------------------------------------------------------------
# The library itself
# ---------------------------------------------------------------------------------------------

EXPECTED_NAMES = {
    "goals-objectives", "objective-actions", "post-responsibilities", "sdg-links", "indicator-status",
    "status-counts", "gaps", "sdg-actions", "national-data-sources", "numeric-results", "search",
    "source-locations", "city-statements", "post-responsibility-counts", "sdg-element-counts", "periods",
    # the same questions across municipalities (tests/test_compare.py)
    "compare-objectives-per-sdg", "compare-indicators-achieved", "compare-roles", "compare-shared-sdg-targets",
}


def test_every_question_has_a_named_query_with_titles_in_en_and_fi() -> None:
    library = queries.all_queries()
    assert set(library) == EXPECTED_NAMES
    for named in library.values():
        assert named.titles["en"] and named.titles["fi"] and named.description
        assert "ORDER BY" in named.sparql, named.name


def test_every_query_runs_with_its_defaults(store: ox.Store) -> None:
    for name, named in queries.all_queries().items():
        params = {"text": "kemi"} if name == "search" else {}
        assert isinstance(named.run(store, params, base_iri=BASE), ox.QuerySolutions)


def test_the_header_is_parsed_into_params(tmp_path: Path) -> None:
    named = queries.get("sdg-actions")
    (param,) = named.params
    assert (param.name, param.type, param.required, param.default) == ("sdg", "iri", False, "sdg:3")
    assert queries.get("search").params[0].required
    assert named.bindings({}, BASE) == {ox.Variable("sdg"): ox.NamedNode(SDG + "3")}
    post = queries.get("post-responsibilities").bindings({}, "http://example.org/x")
    assert post == {ox.Variable("post"): ox.NamedNode("http://example.org/x/id/kemi/post/hyvinvointijohtaja")}


def typed_query(tmp_path: Path) -> queries.NamedQuery:
    path = tmp_path / "typed.rq"
    path.write_text(
        "# title@en: Typed\n# title@fi: Tyypitetty\n# description: test\n"
        "# param: n integer default=3  a number\n# param: d decimal optional  a decimal\n"
        "# param: s iri required  a status\n# param: l literal optional  a literal\n"
        "SELECT ?n ?d ?s ?l WHERE {} ORDER BY ?n\n",
        encoding="utf-8",
    )
    return queries.parse(path)


def test_values_are_typed_terms(tmp_path: Path) -> None:
    named = typed_query(tmp_path)
    bound = named.bindings({"s": "kg:achieved", "d": "2.50", "l": '"kissa"@fi'}, BASE)
    assert bound[ox.Variable("s")] == ox.NamedNode(KG + "achieved")
    assert bound[ox.Variable("n")] == ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    assert bound[ox.Variable("d")] == ox.Literal("2.50", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))
    assert bound[ox.Variable("l")] == ox.Literal("kissa", language="fi")
    assert named.bindings({"s": "<http://example.org/a>"}, BASE)[ox.Variable("s")] == ox.NamedNode("http://example.org/a")


@pytest.mark.parametrize(
    ("values", "parameter"),
    [
        ({"s": "not an iri"}, "'s'"),
        ({"s": "nosuchprefix:x"}, "'s'"),
        ({"s": "kg:achieved", "n": "x"}, "'n'"),
        ({"s": "kg:achieved", "d": "1,5"}, "'d'"),
        ({}, "'s'"),
        ({"s": "kg:achieved", "colour": "red"}, "'colour'"),
    ],
)
def test_bad_values_name_the_parameter_and_the_query(tmp_path: Path, values: dict[str, str], parameter: str) -> None:
    with pytest.raises(InputError) as error:
        typed_query(tmp_path).bindings(values, BASE)
    assert parameter in str(error.value) and "'typed'" in str(error.value)


def test_library_queries_reject_bad_params(store: ox.Store) -> None:
    with pytest.raises(InputError, match="'sdg-actions'.*'sdg'.*not an IRI"):
        run(store, "sdg-actions", sdg="not an iri")
    with pytest.raises(InputError, match="'search'.*'text'.*required"):
        run(store, "search")
    with pytest.raises(InputError, match="'search'.*unknown parameter 'txt'"):
        run(store, "search", txt="x")
    with pytest.raises(InputError, match="no named query 'nope'"):
        queries.get("nope")


def test_a_header_with_a_param_outside_the_select_clause_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.rq"
    path.write_text("# title@en: B\n# title@fi: B\n# param: x iri required  x\nSELECT ?y WHERE { ?x ?p ?y } ORDER BY ?y\n", encoding="utf-8")
    with pytest.raises(InputError, match="'x' must be in the SELECT clause"):
        queries.parse(path)


# ---------------------------------------------------------------------------------------------
# Each question, exactly
# ---------------------------------------------------------------------------------------------


def test_goals_with_their_objectives(store: ox.Store, kemi: dict[str, Any]) -> None:
    rows = run(store, "goals-objectives")
    assert [(r["goal"], r["objective"]) for r in rows] == [
        (iri("goal", g["id"]), iri("objective", o["id"])) for g, o in objectives(kemi)
    ]
    assert Counter(r["goalFi"] for r in rows) == {"ELINVOIMAINEN KAUPUNKI": 6, "HYVINVOIVAT KUNTALAISET": 5, "SUJUVA ARKI": 5}
    assert {r["goalEn"] for r in rows} == {"A vital city", "Residents who are well", "Smooth everyday life"}
    assert {r["municipality"] for r in rows} == {f"{BASE}/id/kemi"}


def test_actions_of_an_objective_with_posts_and_schedule(store: ox.Store, kemi: dict[str, Any]) -> None:
    objective = iri("objective", "vaikuttavat-ja-saavutettavat-palvelut")
    rows = run(store, "objective-actions", objective=objective)
    assert len(rows) == 5 * 5  # five actions, one responsibility naming five posts
    assert list(dict.fromkeys(r["action"] for r in rows)) == [
        iri("action", a) for a in ("liikuntahallin-palvelujen-muotoilu", "harrastetoiminta-kouluilla", "digitaalisuus-palveluissa", "chat-palvelun-kokeileminen", "omatoimikirjasto")
    ]
    assert {r["postFi"] for r in rows} == {"Hyvinvointijohtaja", "Tulosaluepäälliköt"[:-3] + "kkö", "Hyte-koordinaattori", "Lähiesihenkilö", "Henkilöstö"}
    assert {(r["schedule"], r["scheduleLabel"]) for r in rows} == {(f"{BASE}/id/period/2023", "1-12/2023")}
    # Every objective: one row per action and responsible post or unit.
    everything = run(store, "objective-actions")
    expected = sum(len(o["actions"]) * sum(len(r["posts"]) + len(r.get("units", [])) for r in o["responsibilities"]) for _, o in objectives(kemi))
    assert len(everything) == expected == 123
    # "Hyvinvointitoimiala" is a unit named as responsible, not a post.
    units = {(r["postFi"], r["responsibleKind"]) for r in everything if r["responsibleKind"] != "Post"}
    assert units == {("Hyvinvointitoimiala", "OrganisationalUnit")}
    open_ended = {r["scheduleLabel"] for r in everything if r["objective"] == iri("objective", "sujuva-ja-turvallinen-arki")}
    assert open_ended == {"2023-"}


def responsible_objectives(kemi: dict[str, Any], post: str) -> list[str]:
    return [iri("objective", o["id"]) for _, o in objectives(kemi) for r in o["responsibilities"] if post in r["posts"]]


@pytest.mark.parametrize("post", ["hyvinvointijohtaja", "johtava-rehtori", "lahiesihenkilo", "hyte-koordinaattori"])
def test_everything_a_post_is_responsible_for(store: ox.Store, kemi: dict[str, Any], post: str) -> None:
    rows = run(store, "post-responsibilities", post=f"<{BASE}/id/kemi/post/{post}>")
    assert [r["objective"] for r in rows] == responsible_objectives(kemi, post)


def test_the_default_post_is_the_director_of_welfare(store: ox.Store) -> None:
    rows = run(store, "post-responsibilities")
    assert {r["postEn"] for r in rows} == {"Director of Welfare"}
    assert [r["objective"].rsplit("/", 1)[1] for r in rows] == [
        "houkuttelevat-asuinalueet", "uudistuvat-kaupalliset-palvelut", "sujuva-ja-turvallinen-arki",
        "avoin-ja-luotettava-kumppani", "vaikuttavat-ja-saavutettavat-palvelut",
        "esteeton-liikkuminen-ja-saatavat-palvelut", "selkea-ja-ennakoiva-viestinta",
    ]


def part_one_elements(kemi: dict[str, Any]) -> set[str]:
    goal = goals(kemi)[0]
    found = set()
    for objective in goal["objectives"]:
        found.add(iri("objective", objective["id"]))
        for kind in ("actions", "indicators", "results"):
            found |= {iri(TYPE_OF[kind], item["id"]) for item in objective.get(kind, [])}
    return found


def test_sdg_links_keep_asserted_inherited_and_suggested_apart(store: ox.Store, kemi: dict[str, Any]) -> None:
    rows = run(store, "sdg-links")
    printed = [SDG + str(s["goal"]) for s in goals(kemi)[0]["sdg"]]
    asserted = [r for r in rows if r["kind"] == "asserted"]
    assert {(r["element"], r["sdg"]) for r in asserted} == {(iri("goal", "elinvoimainen-kaupunki"), s) for s in printed}
    assert [r["sdgCode"] for r in asserted] == ["3", "6", "7", "8", "9", "11", "12", "13", "14", "15"]
    inherited = {(r["element"], r["sdg"]) for r in rows if r["kind"] == "inherited"}
    assert len(part_one_elements(kemi)) == 29
    assert inherited == {(e, s) for e in part_one_elements(kemi) for s in printed}
    assert {r["sdgGoal"] for r in asserted} == set(printed)
    assert {r["kind"] for r in rows} <= {"asserted", "inherited", "suggested"}
    # Parts 2 and 3 print no SDG: any link of theirs can only be a suggestion.
    assert all(r["kind"] == "suggested" for r in rows if r["element"] not in part_one_elements(kemi) | {iri("goal", "elinvoimainen-kaupunki")})
    # A goal-level suggestion is listed with the goal IRI and its own score, not its goal's targets' scores.
    sports = [(r["sdg"], r["sdgGoal"], r["score"]) for r in rows if r["element"] == iri("result", "liikunnan-valiaikaiset-tilajarjestelyt")]
    assert sports == [(SDG + "3", SDG + "3", float(load_lexicon().calibration["goal"]))]


def test_indicators_with_target_result_and_status(store: ox.Store, kemi: dict[str, Any]) -> None:
    rows = run(store, "indicator-status")
    expected: set[tuple[str, str | None, str | None]] = set()
    for _, objective in objectives(kemi):
        for indicator in objective["indicators"]:
            answers = [r for r in objective["results"] if indicator["id"] in answered(r)]
            for result in answers or [None]:
                expected.add((
                    iri("indicator", indicator["id"]),
                    iri("result", result["id"]) if result else None,
                    KG + STATUS[result["status"]] if result else None,
                ))
    assert len(rows) == len(expected) == 38
    assert {(r["indicator"], r["result"], r["status"]) for r in rows} == expected
    audit = next(r for r in rows if r["indicator"] == iri("indicator", "paivakotien-auditointi"))
    assert (audit["targetValue"], audit["targetUnit"], audit["deadline"], audit["result"], audit["statusEn"]) == (
        80.0, "http://qudt.org/vocab/unit/PERCENT", "2023-12-31", iri("result", "paivakotien-auditointi-2023"), "not achieved",
    )
    youth = next(r for r in rows if r["indicator"] == iri("indicator", "nuorisovaltuuston-kokoukset"))
    assert (youth["targetValue"], youth["resultFi"], youth["statusFi"], youth["period"]) == (
        4.0, "Nuorisovaltuuston kokouksia 5", "saavutettu", f"{BASE}/id/period/2023",
    )


def test_status_counts_per_strategic_goal(store: ox.Store, kemi: dict[str, Any]) -> None:
    rows = run(store, "status-counts")
    expected = []
    for goal in goals(kemi):
        counts = Counter(r["status"] for o in goal["objectives"] for r in o["results"])
        expected += [(iri("goal", goal["id"]), KG + STATUS[s], counts[s]) for s in STATUS]
    assert [(r["goal"], r["status"], r["results"]) for r in rows] == expected
    assert [r["results"] for r in rows] == [2, 2, 2, 1, 1, 2, 1, 0, 12, 0, 2, 1, 3, 6, 0]


def first_line(item: dict[str, Any]) -> int:
    sources = item["source"] if isinstance(item["source"], list) else [item["source"]]
    return min(s["line"] for s in sources)


def test_status_counts_per_printed_result(store: ox.Store, kemi: dict[str, Any]) -> None:
    # What the city printed, not how the project split it into sentences: the podcast line (191)
    # reports two things, both with no target, and counts once.
    rows = run(store, "status-counts")
    expected = []
    for goal in goals(kemi):
        printed = {s: {first_line(r) for o in goal["objectives"] for r in o["results"] if r["status"] == s} for s in STATUS}
        expected += [len(printed[s]) for s in STATUS]
    assert [r["printedResults"] for r in rows] == expected == [2, 1, 2, 1, 1, 2, 1, 0, 11, 0, 2, 1, 3, 3, 0]
    printed_lines = {first_line(r) for _, o in objectives(kemi) for r in o["results"]}
    assert (len(printed_lines), sum(len(o["results"]) for _, o in objectives(kemi))) == (27, 35)


def test_no_target_is_counted_apart_from_not_known(store: ox.Store) -> None:
    rows = run(store, "status-counts")
    totals = Counter()
    for r in rows:
        totals[r["statusEn"]] += r["results"]
    assert totals == {"achieved": 6, "partly achieved": 4, "not achieved": 5, "no target": 19, "not known": 1}
    # Only line 9 says the city does not know ("ei ole tiedossa").
    (unknown,) = [r for r in run(store, "gaps") if r["gap"] == "not known"]
    assert unknown["elementFi"] == "Uusien kulttuuriyritysten määrää ei ole tiedossa."
    assert {r["statusFi"] for r in rows} == {"saavutettu", "osittain saavutettu", "ei saavutettu", "ei tavoitetasoa", "ei tiedossa"}


def test_gaps(store: ox.Store, kemi: dict[str, Any]) -> None:
    rows = run(store, "gaps")
    reported = {a for _, o in objectives(kemi) for r in o["results"] for a in answered(r)}
    unanswered = {iri("indicator", i["id"]) for _, o in objectives(kemi) for i in o["indicators"] if i["id"] not in reported}
    by_status = {
        s: {iri("result", r["id"]) for _, o in objectives(kemi) for r in o["results"] if r["status"] == s}
        for s in ("not-achieved", "not-known")
    }
    assert {r["element"] for r in rows if r["gap"] == "no result"} == unanswered
    assert {r["element"] for r in rows if r["gap"] == "not achieved"} == by_status["not-achieved"]
    assert {r["element"] for r in rows if r["gap"] == "not known"} == by_status["not-known"]
    assert (len(unanswered), len(by_status["not-achieved"]), len(by_status["not-known"]), len(rows)) == (10, 5, 1, 16)
    # Reported, so not gaps: line 100 answers the School Health Promotion Study and Move! indicators,
    # line 193 the internal survey, line 11 the service entities reformed.
    for reported_indicator in ("kouluterveyskysely", "oph-move-mittaristo", "hyvinvoinnin-tyokalujen-tieto", "sisainen-kysely", "kaksi-palvelukokonaisuutta-uudistetaan"):
        assert iri("indicator", reported_indicator) not in unanswered
    assert [r["gap"] for r in rows] == sorted((r["gap"] for r in rows), key=["no result", "not achieved", "not known"].index)


@pytest.mark.parametrize(("sdg", "count"), [(None, 8), ("sdg:13", 8), (SDG + "15", 8), ("sdg:4", 0), ("<http://metadata.un.org/sdg/1>", 0)])
def test_actions_related_to_an_sdg(store: ox.Store, kemi: dict[str, Any], sdg: str | None, count: int) -> None:
    every = run(store, "sdg-actions", sdg=sdg) if sdg else run(store, "sdg-actions")
    # The city links no action itself: the icons stand beside the strategic goal.
    assert [r for r in every if r["kind"] == "asserted"] == []
    rows = [r for r in every if r["kind"] == "inherited"]
    part_one_actions = [iri("action", a["id"]) for o in goals(kemi)[0]["objectives"] for a in o["actions"]]
    assert [r["action"] for r in rows] == (part_one_actions if count else [])
    assert len(rows) == count
    assert all(r["via"] == iri("goal", "elinvoimainen-kaupunki") and r["viaType"] == "StrategicGoal" for r in rows)
    assert {r["kind"] for r in every} <= {"inherited", "suggested", "inherited suggestion"}
    assert all((r["kind"] in ("asserted", "suggested")) == (r["via"] == r["action"]) for r in every)


def test_the_conversation_culture_action_is_not_stated_under_sdg_14(store: ox.Store) -> None:
    action = iri("action", "keskustelukulttuurin-kehittaminen")
    rows = [r for r in run(store, "sdg-actions", sdg="sdg:14") if r["action"] == action]
    assert {(r["kind"], r["viaType"]) for r in rows if r["kind"] != "inherited suggestion"} == {("inherited", "StrategicGoal")}


def test_indicators_relying_on_national_data_sources(store: ox.Store, kemi: dict[str, Any]) -> None:
    # Every kg:dataSource link to a kg:DataSource is one row (the SDG work's data-source links).
    rows = run(store, "national-data-sources")
    links = {
        (q.subject.value, q.object.value)
        for q in store.quads_for_pattern(None, ox.NamedNode(KG + "dataSource"), None)
        if any(True for _ in store.quads_for_pattern(q.object, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(KG + "DataSource")))
    }
    assert {(r["indicator"], r["source"]) for r in rows} == links
    # The curated links (strategy.yaml data_sources), one row each: 5 for Kemi.
    curated = {
        (iri("indicator", i["id"]), f"{BASE}/id/data-source/{source}")
        for _, o in objectives(kemi) for i in o["indicators"] for source in i.get("data_sources", [])
    }
    assert len(rows) == len(curated) and {(r["indicator"], r["source"]) for r in rows} == curated
    valpas = next(r for r in rows if r["source"].endswith("/valpas"))
    assert (valpas["publisher"], valpas["publisherFi"]) == (f"{BASE}/id/organisation/oph", "Opetushallitus (OPH)")


def test_numeric_results_as_a_tidy_table(store: ox.Store, kemi: dict[str, Any]) -> None:
    rows = run(store, "numeric-results")
    expected = Counter(
        (iri("result", r["id"]), float(m["value"]), m["label"]["en"])
        for _, o in objectives(kemi) for r in o["results"] for m in r.get("measurements", [])
    )
    assert len(rows) == sum(expected.values()) == 24
    assert Counter((r["result"], r["value"], r["countedEn"]) for r in rows) == expected
    share = next(r for r in rows if r["value"] == 62.5)
    assert (share["unit"], share["derived"], share["indicator"], share["goal"]) == (
        "http://qudt.org/vocab/unit/PERCENT", True, iri("indicator", "paivakotien-auditointi"), iri("goal", "elinvoimainen-kaupunki"),
    )
    visits = next(r for r in rows if r["value"] == 2622)
    assert (visits["countedFi"], visits["derived"], visits["period"], visits["objective"]) == (
        "omatoimikirjaston käynnit", False, f"{BASE}/id/period/2023", iri("objective", "vaikuttavat-ja-saavutettavat-palvelut"),
    )
    assert sum(r["derived"] for r in rows) == 1
    # "Yli 1500 €" is a threshold, not a measurement; interface meetings are not the matters the indicator counts.
    assert not [r for r in rows if r["value"] == 1500]
    (meetings,) = [r for r in rows if r["result"] == iri("result", "yhdyspintapalaverit-hyvinvointialueen-kanssa")]
    assert (meetings["value"], meetings["indicator"]) == (3.0, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("podcast", {"result/podcast-kayttoon"}),
        ("Kivalo-opisto", {"result/yhteisen-esihenkilon-kokeilu"}),
        ("KIVALO", {"result/yhteisen-esihenkilon-kokeilu"}),
        ("Möylynlehdon", {"result/moylynlehdon-paivakoti-suljettu"}),
        ("möylynlehdon", {"result/moylynlehdon-paivakoti-suljettu"}),
        ("MÖYLYNLEHDON", {"result/moylynlehdon-paivakoti-suljettu"}),
        ("lkm.", {"indicator/uusien-kulttuuriyritysten-maara", "indicator/positiivisten-uutisten-maara"}),
    ],
)
def test_search_finds_the_right_elements(store: ox.Store, text: str, expected: set[str]) -> None:
    rows = run(store, "search", text=text)
    assert {r["element"] for r in rows} == {f"{ID}/{e}" for e in expected}


@pytest.mark.parametrize("text", ["sekä sekä", "lähi esihenkilöt", "hyvinvointi", "Tea-viisari", "2023", "kindergarten", "ÄÄ"])
def test_search_matches_the_curated_text_exactly(store: ox.Store, kemi: dict[str, Any], text: str) -> None:
    rows = run(store, "search", text=text)
    expected = {e for e, _, item in all_elements(kemi) if any(text.lower() in t.lower() for t in texts(item))}
    assert {r["element"] for r in rows} == expected
    assert {r["elementType"] for r in rows} <= {"StrategicGoal", "Objective", "Action", "Responsibility", "Indicator", "Result"}


def test_search_reports_where_it_matched(store: ox.Store) -> None:
    (row,) = run(store, "search", text="toimialajohtaja, tulosaluepäälliköt, lähiesihenkilöt, hyte")
    assert (row["element"], row["matchedIn"]) == (iri("responsibility", "hyvinvoinnin-edistaminen-vastuu"), "corrected")
    assert {r["matchedIn"] for r in run(store, "search", text="kindergarten")} == {"english"}


def test_source_locations(store: ox.Store, kemi: dict[str, Any]) -> None:
    rows = run(store, "source-locations", element=iri("responsibility", "viestinta-vastuu"))
    assert [(r["part"], r["block"], r["line"], r["sourceText"]) for r in rows] == [
        (3, 5, 162, "Hyvinvointijohtaja"), (3, 5, 163, "Tulosaluepäälliköt"), (3, 5, 164, "Lähihenkilöt, henkilöstö"), (3, 5, 165, "2023"),
    ]
    assert {r["column"] for r in rows} == {KG + "responsibilityColumn"}
    (chat,) = run(store, "source-locations", element=iri("action", "chat-palvelun-kokeileminen"))
    assert (chat["part"], chat["block"], chat["line"], chat["sentence"], chat["row"]) == (3, 3, 143, 4, None)
    everything = run(store, "source-locations")
    expected = sum(1 + len(g["sdg"]) for g in goals(kemi)) + sum(
        len(item["source"]) if isinstance(item["source"], list) else 1
        for _, o in objectives(kemi) for item in [o, *(i for k in KINDS for i in o[k])]
    )
    assert len(everything) == expected == 165


def test_the_city_statements_alone(store: ox.Store, kemi: dict[str, Any]) -> None:
    rows = run(store, "city-statements")
    expected = {e: item["fi"] for e, _, item in all_elements(kemi)}
    assert len(rows) == len(expected) == 144
    assert {r["element"]: r["verbatim"] for r in rows} == expected
    assert {r["city"] for r in rows} == {f"{BASE}/graph/kemi/city"}
    parents = {r["element"]: r["parent"] for r in rows}
    assert parents[iri("action", "keskustelukulttuurin-kehittaminen")] == iri("objective", "uudistuvat-kaupalliset-palvelut")
    assert parents[iri("goal", "sujuva-arki")] is None


def test_responsibilities_per_post(store: ox.Store, kemi: dict[str, Any]) -> None:
    rows = run(store, "post-responsibility-counts")
    expected = {}
    for post in kemi["posts"]:
        named = [(g, o, r) for g, o in objectives(kemi) for r in o["responsibilities"] if post["id"] in r["posts"]]
        expected[f"{BASE}/id/kemi/post/{post['id']}"] = (len(named), len({o["id"] for _, o, _ in named}), len({g["id"] for g, _, _ in named}))
    assert {r["post"]: (r["responsibilities"], r["objectives"], r["goals"]) for r in rows} == expected
    assert [(r["postFi"], r["responsibilities"]) for r in rows[:3]] == [("Lähiesihenkilö", 10), ("Tulosaluepäällikkö", 10), ("Hyvinvointijohtaja", 7)]
    assert [r["responsibilities"] for r in rows] == sorted((r["responsibilities"] for r in rows), reverse=True)


def test_elements_per_sdg_goal(store: ox.Store) -> None:
    rows = run(store, "sdg-element-counts")
    printed = {3, 6, 7, 8, 9, 11, 12, 13, 14, 15}
    assert [r["sdgNumber"] for r in rows] == list(range(1, 18))
    assert [(r["asserted"], r["inherited"]) for r in rows] == [(1, 29) if n in printed else (0, 0) for n in range(1, 18)]
    assert rows[2]["sdgEn"] == "Ensure healthy lives and promote well-being for all at all ages"


def test_reporting_periods(store: ox.Store, kemi: dict[str, Any]) -> None:
    (row,) = run(store, "periods")
    results = sum(len(o["results"]) for _, o in objectives(kemi))
    assert (row["period"], row["periodFi"], row["periodEn"], row["begins"], row["ends"], row["results"], row["measurements"]) == (
        f"{BASE}/id/period/2023", "1-12/2023", "January-December 2023", "2023-01-01", "2023-12-31", results, 24,
    )
    assert results == 35


# ---------------------------------------------------------------------------------------------
# Command line and web
# ---------------------------------------------------------------------------------------------


def kemi_graph(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kemi_graph.cli", *args], capture_output=True, text=True, cwd=REPO, timeout=120)


def test_cli_runs_a_named_query_with_params(built_settings: Settings) -> None:
    dist = str(built_settings.dist_dir)
    by_file = kemi_graph("--dist-dir", dist, "query", "queries/search.rq", "--param", "text=podcast", "--format", "csv")
    assert by_file.returncode == 0, by_file.stderr
    assert by_file.stdout.splitlines()[1].startswith(f"podcast,{ID}/result/podcast-kayttoon,Result,")
    by_name = kemi_graph("--dist-dir", dist, "query", "sdg-actions", "--param", "sdg=sdg:13", "--format", "json")
    assert by_name.returncode == 0, by_name.stderr
    bindings = json.loads(by_name.stdout)["results"]["bindings"]
    assert len([b for b in bindings if b["kind"]["value"] == "inherited"]) == 8
    bad = kemi_graph("--dist-dir", dist, "query", "search", "--param", "text=a", "--param", "colour=red")
    assert bad.returncode == 2 and "unknown parameter 'colour'" in bad.stderr and "'search'" in bad.stderr
    listed = kemi_graph("queries")
    assert listed.returncode == 0
    assert len(listed.stdout.splitlines()) == len(EXPECTED_NAMES)
    assert "Free-text search over all elements / Vapaa tekstihaku kaikista osista" in listed.stdout


def test_web_lists_the_queries(client: Any) -> None:
    response = client.get("/queries")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in EXPECTED_NAMES:
        assert f'href="/queries/{name}"' in page
    assert "Vapaa tekstihaku kaikista osista" in page and "Free-text search over all elements" in page


def test_web_runs_a_query_as_html_csv_and_json(client: Any, store: ox.Store) -> None:
    html = client.get("/queries/search?text=podcast")
    assert html.status_code == 200 and html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    assert '<a href="/id/kemi/kaupunkistrategia/result/podcast-kayttoon"' in page
    assert 'name="text" value="podcast"' in page
    csv = client.get("/queries/search?text=podcast&format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[0] == "text,element,elementType,elementFi,elementEn,correctedFi,matchedIn"
    assert "attachment" in csv.headers["Content-Disposition"]
    by_accept = client.get("/queries/search?text=podcast", headers={"Accept": "application/sparql-results+json"})
    assert by_accept.mimetype == "application/sparql-results+json"
    (binding,) = json.loads(by_accept.data)["results"]["bindings"]
    assert binding["element"]["value"] == f"{ID}/result/podcast-kayttoon"
    assert client.get("/queries/sdg-actions").get_data(as_text=True).count("<tr><td>") == len(run(store, "sdg-actions"))


def test_web_cuts_a_long_answer_at_max_rows_and_says_so(built_settings: Settings, make_app: Any) -> None:
    client = make_app(open_read_only(built_settings), max_rows=3).test_client()
    html = client.get("/queries/goals-objectives")
    assert html.headers["X-Results-Truncated"] == "max_rows=3"
    page = html.get_data(as_text=True)
    assert page.count("<tr><td>") == 3 and "cut at 3 rows" in page
    csv = client.get("/queries/goals-objectives?format=csv")
    assert csv.headers["X-Results-Truncated"] == "max_rows=3" and len(csv.get_data(as_text=True).splitlines()) == 1 + 3


def test_web_stops_a_named_query_at_the_time_limit(built_settings: Settings, make_app: Any) -> None:
    client = make_app(open_read_only(built_settings), query_timeout=0.0001).test_client()
    for url in ("/queries/sdg-element-counts", "/queries/sdg-element-counts?format=json", "/compare"):
        stopped = client.get(url)
        assert stopped.status_code == 503, url
        assert "time limit" in stopped.get_data(as_text=True)


def test_web_refuses_bad_params_with_400(client: Any) -> None:
    bad = client.get("/queries/sdg-actions?sdg=not+an+iri")
    assert bad.status_code == 400 and "'sdg'" in bad.get_data(as_text=True)
    assert client.get("/queries/search?colour=red").status_code == 400
    assert client.get("/queries/nope").status_code == 404
    form = client.get("/queries/search")  # a first visit: the form, no error
    assert form.status_code == 200 and "<form" in form.get_data(as_text=True)
