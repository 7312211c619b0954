"""SDG linking for researchers: the UN SDG KOS import, suggested SDG links, data sources of
indicators and the tidy exports."""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import os
import shutil
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from kemi_graph.pipeline.load import load_project
from kemi_graph.pipeline.sdg_lexicon import load_lexicon
from kemi_graph.pipeline.suggest import Matcher, core_targets, suggest
from kemi_graph.cli import main
from kemi_graph.config import ENV_PREFIX, Settings
from kemi_graph.errors import InputError
from kemi_graph.exports import EXPORT_TABLES, export_table, table_rows
from kemi_graph.importers.sdg_kos import import_kos, kos_graph_iri
from kemi_graph.importers.strategy_yaml import convert_file
from kemi_graph.namespaces import SDG, Iris
from kemi_graph.resources import data_dir
from kemi_graph.store import build_info, open_read_only, run_query

REPO = Path(__file__).resolve().parents[1]
PREFIXES = """PREFIX kg: <https://w3id.org/kemi-graph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX sdgo: <http://metadata.un.org/sdg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""
EL = "https://w3id.org/kemi-graph/id/kemi/kaupunkistrategia/"


def kos_dir() -> Path:
    shared = os.environ.get(ENV_PREFIX + "SHARED_DIR")
    return (Path(shared) if shared else REPO.parent / "shared") / "vocab" / "un-sdg-kos"


@pytest.fixture(scope="module")
def kos() -> Path:
    folder = kos_dir()
    if not (folder / "sdg-kos-goals-targets-indicators.ttl").is_file():
        pytest.skip(f"UN SDG KOS dump not found in {folder} (set KEMI_GRAPH_SHARED_DIR to the 'shared' folder)")
    return folder


def rows(store: ox.Store, query: str) -> list[dict[str, str]]:
    solutions = run_query(store, PREFIXES + query)
    names = [v.value for v in solutions.variables]
    return [{n: (None if r[n] is None else r[n].value) for n in names} for r in solutions]


@pytest.fixture
def dist_copy(built_settings: Settings, tmp_path: Path) -> Settings:
    """A private copy of the session's build, to import into."""
    target = tmp_path / "dist"
    shutil.copytree(built_settings.dist_dir, target)
    return built_settings.replace(dist_dir=target)


# --- the UN SDG KOS -----------------------------------------------------------------------


def _kos_counts(settings: Settings) -> dict[str, int]:
    store = open_read_only(settings)
    graph = kos_graph_iri(Iris(settings.base_iri))
    found = rows(
        store,
        f"""SELECT ?kind (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH <{graph}> {{
              ?c a ?type . VALUES (?type ?kind) {{ (sdgo:Goal "goal") (sdgo:Target "target") (sdgo:Indicator "indicator") }}
              FILTER EXISTS {{ ?c skos:prefLabel ?label FILTER(LANG(?label) = "en") }} }} }} GROUP BY ?kind""",
    )
    return {r["kind"]: int(r["n"]) for r in found}


def test_without_an_import_the_17_goals_come_from_the_project(built_settings: Settings) -> None:
    store = open_read_only(built_settings)
    assert rows(store, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { ?g a sdgo:Goal }")[0]["n"] == "17"
    assert _kos_counts(built_settings) == {}


def test_importing_the_un_dump_folder_gives_17_goals_169_targets_232_indicators(dist_copy: Settings, kos: Path) -> None:
    manifest = import_kos(dist_copy, kos, log=lambda line: None)
    assert _kos_counts(dist_copy) == {"goal": 17, "target": 169, "indicator": 232}
    assert manifest["triples"] == 9311
    info = build_info(dist_copy)
    assert info["imports"]["un-sdg-kos"]["sha256"] == manifest["sha256"]
    assert info["graphs"][str(kos_graph_iri(Iris(dist_copy.base_iri)))] == 9311
    assert (dist_copy.dist_dir / "graphs" / "un-sdg-kos.ttl").is_file()
    assert f"<{kos_graph_iri(Iris(dist_copy.base_iri))}>" in (dist_copy.dist_dir / "dataset.nq").read_text(encoding="utf-8")


def test_a_bad_file_is_refused_by_name_and_the_store_is_unchanged(dist_copy: Settings, kos: Path, tmp_path: Path) -> None:
    folder = tmp_path / "kos"
    shutil.copytree(kos, folder)
    broken = folder / "sdg-kos-subject-mappings.ttl"
    broken.write_text(broken.read_text(encoding="utf-8") + "\n<http://x> <http://y> .\n", encoding="utf-8")
    before = (dist_copy.dist_dir / "dataset.nq").read_bytes(), (dist_copy.dist_dir / "build-info.json").read_bytes()
    with pytest.raises(InputError, match="sdg-kos-subject-mappings.ttl"):
        import_kos(dist_copy, folder, log=lambda line: None)
    assert ((dist_copy.dist_dir / "dataset.nq").read_bytes(), (dist_copy.dist_dir / "build-info.json").read_bytes()) == before
    assert _kos_counts(dist_copy) == {}
    assert not (dist_copy.dist_dir / "imports").exists()


def test_the_cli_refuses_a_bad_file_with_exit_code_2(dist_copy: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    assert main(["--dist-dir", str(dist_copy.dist_dir), "sdg", "import", str(bad)]) == 2
    assert "bad.ttl" in capsys.readouterr().err


def test_a_file_without_sdg_concepts_is_refused(dist_copy: Settings, tmp_path: Path) -> None:
    other = tmp_path / "other.ttl"
    other.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n", encoding="utf-8")
    with pytest.raises(InputError, match="not the UN SDG KOS"):
        import_kos(dist_copy, other, log=lambda line: None)


@pytest.fixture
def http_folder(kos: Path) -> Iterator[str]:
    """The KOS folder served on 127.0.0.1 (loopback only)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(kos))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_import_from_a_url(dist_copy: Settings, http_folder: str) -> None:
    manifest = import_kos(dist_copy, f"{http_folder}/sdg-kos-goals-targets-indicators.ttl", log=lambda line: None)
    assert manifest["goals"] == 17 and manifest["targets"] == 169 and manifest["indicators"] == 232
    assert _kos_counts(dist_copy) == {"goal": 17, "target": 169, "indicator": 232}


@pytest.mark.slow
def test_a_later_build_keeps_the_imported_kos(dist_copy: Settings, kos: Path) -> None:
    from kemi_graph.pipeline import run

    import_kos(dist_copy, kos, log=lambda line: None)
    run.build(dist_copy, log=lambda line: None)
    assert _kos_counts(dist_copy) == {"goal": 17, "target": 169, "indicator": 232}
    info = build_info(dist_copy)
    assert info["imports"]["un-sdg-kos"]["triples"] == 9311
    assert (dist_copy.dist_dir / "imports" / "un-sdg-kos.nt").is_file()
    assert (dist_copy.dist_dir / "graphs" / "un-sdg-kos.ttl").is_file()


# --- suggested SDG links --------------------------------------------------------------------


def test_suggestions_are_in_their_own_graph_never_in_the_city_graph(built_settings: Settings) -> None:
    store = open_read_only(built_settings)
    found = rows(store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s a kg:SdgSuggestion } } GROUP BY ?g")
    assert [r["g"] for r in found] == ["https://w3id.org/kemi-graph/graph/kemi/suggested"]
    assert int(found[0]["n"]) > 20
    leaked = rows(
        store,
        """SELECT ?g WHERE { GRAPH ?g { { ?s kg:suggestedSdg ?o } UNION { ?s a kg:SdgSuggestion } UNION { ?s kg:matchedTerm ?o } }
             FILTER(!STRENDS(STR(?g), "/suggested")) }""",
    )
    assert leaked == []


def test_every_suggestion_has_a_score_in_0_1_a_target_or_goal_evidence_and_prov(built_settings: Settings) -> None:
    store = open_read_only(built_settings)
    found = rows(
        store,
        """SELECT ?s ?e ?t ?g ?score ?activity ?evidence ?shown (COUNT(DISTINCT ?term) AS ?terms) (COUNT(DISTINCT ?wording) AS ?wordings) WHERE {
             ?s a kg:SdgSuggestion ; kg:suggestionOf ?e ; kg:suggestedGoal ?g ; kg:score ?score ;
                prov:wasGeneratedBy ?activity ; kg:matchedTerm ?term ; kg:evidenceClass ?evidence ; kg:targetWording ?wording .
             OPTIONAL { ?s kg:suggestedTarget ?t }
             BIND(EXISTS { ?e kg:suggestedSdg ?sdg FILTER(?sdg = COALESCE(?t, ?g)) } AS ?shown) } GROUP BY ?s ?e ?t ?g ?score ?activity ?evidence ?shown""",
    )
    assert len(found) == int(rows(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s a kg:SdgSuggestion }")[0]["n"])
    lexicon = load_lexicon()
    assert {row["evidence"] for row in found if row["t"] is None} == {"goal"}  # Kemi has goal-level suggestions, all of that class
    for row in found:
        assert Decimal(row["score"]) == lexicon.calibration[row["evidence"]]
        assert row["t"] is None or row["t"].startswith(row["g"] + ".")
        assert int(row["terms"]) >= 1 and int(row["wordings"]) == 2  # the UN's English wording and the Finnish rendering
        assert (row["shown"] == "true") == (Decimal(row["score"]) >= lexicon.threshold)
    activities = {row["activity"] for row in found}
    assert len(activities) == 1
    prov = rows(
        store,
        f"""SELECT ?used ?description ?version WHERE {{ <{activities.pop()}> a prov:Activity ; prov:used ?used .
              OPTIONAL {{ ?used dct:description ?description }} OPTIONAL {{ ?used owl:versionInfo ?version }} }}""",
    )
    used = {r["used"]: r for r in prov}
    method = used["https://w3id.org/kemi-graph/id/method/sdg-concept-match"]
    assert "simplemma" in method["description"] and method["version"] == "2.1"
    assert used["https://w3id.org/kemi-graph/id/method/sdg-concept-match/lexicon"]["version"] == load_lexicon().version
    threshold = rows(store, "SELECT ?t WHERE { <https://w3id.org/kemi-graph/id/method/sdg-concept-match> kg:scoreThreshold ?t }")
    assert [Decimal(r["t"]) for r in threshold] == [load_lexicon().threshold]


def test_climate_objective_is_suggested_target_13_2_for_ilmastonmuutos(built_settings: Settings) -> None:
    store = open_read_only(built_settings)
    found = rows(
        store,
        f"""SELECT ?score ?term ?evidence WHERE {{ ?s kg:suggestionOf <{EL}objective/vihrea-ja-kestava-kemi> ;
              kg:suggestedTarget <http://metadata.un.org/sdg/13.2> ; kg:suggestedGoal <http://metadata.un.org/sdg/13> ;
              kg:score ?score ; kg:matchedTerm ?term ; kg:evidenceClass ?evidence }}""",
    )
    assert {r["term"] for r in found} == {"ilmastonmuutos", "ilmasto"}
    assert {(r["evidence"], Decimal(r["score"])) for r in found} == {("core", load_lexicon().calibration["core"])}


def test_suggestions_are_deterministic() -> None:
    iris = Iris("https://w3id.org/kemi-graph")
    first = load_project(iris).strategies[0]
    second = load_project(iris).strategies[0]
    one = suggest(first.city, first.interpretation, iris, first.municipality)
    two = suggest(second.city, second.interpretation, iris, second.municipality)
    assert len(one) > 0
    assert set(one) == set(two)
    assert sorted(one.serialize(format="nt").splitlines()) == sorted(two.serialize(format="nt").splitlines())


def _judged(text: str, objective: str = "") -> dict[str, str]:
    matcher = Matcher(load_lexicon())
    hits = matcher.evidence([text])
    context = core_targets(matcher.evidence([objective])) if objective else frozenset()
    return {} if hits is None else {code: match.evidence for code, match in matcher.judge(hits, context).items()}


def test_inflected_forms_and_compounds_find_the_targets_concepts() -> None:
    assert _judged("Kunnan hiilijalanjäljen pienentäminen") == {"13.2": "core"}
    assert _judged("Joukkoliikenteen vuoroja lisätään") == {"11.2": "core"}
    assert _judged("Lapsiperheköyhyys vähenee") == {"1.2": "core"}  # a compound whose head is a core term
    assert _judged("Koulujen päihdekasvatustunteja pidettiin 40.") == {"3.5": "core"}  # its first part
    assert _judged("Yhteistyö kolmannen sektorin kanssa").keys() == {"17.17"}  # "tori" is no part of "sektori"


def test_administration_it_and_communication_get_nothing() -> None:
    for text in ("Kunnan verkkosivut uudistetaan ja somekanavia kehitetään", "Koulun Facebook-seuraajia 1 200.",
                 "Uusi asianhallintajärjestelmä otetaan käyttöön", "Viestintä on avointa", "Vuosikate oli 1,2 milj. €."):
        assert _judged(text) == {}, text


def test_a_setting_alone_suggests_nothing_but_the_objective_can_confirm_it() -> None:
    assert _judged("Koulun kerhot jatkuvat") == {}  # "koulu" is a cue of 4.1, not evidence alone
    assert _judged("Liikuntaa lisätään") == {"3": "goal"}  # no target of goal 3, but its field
    assert _judged("Liikuntaa lisätään", objective="Lasten mielenterveys vahvistuu") == {"3.4": "cue+context"}
    assert _judged("Kouluterveyskyselyn tulokset käsitellään", objective="Lasten mielenterveys vahvistuu") == {}


def test_words_of_a_goals_field_that_fit_no_target_suggest_the_goal_itself() -> None:
    assert _judged("Koulujen välituntiliikuntaa lisätään.") == {"3": "goal"}  # the head of a compound
    assert _judged("Liikkuvien oppilaiden osuus oli 64 %.") == {"3": "goal"}
    assert _judged("Liikunta ja mielenterveys") == {"3.4": "core"}  # a target of goal 3: no goal-level suggestion beside it
    assert _judged("Kestävää liikkumista edistetään") == {"11.2": "core"}  # "liikkuminen" inside a term of 11.2
    assert _judged("Henkilöstön työhyvinvointi paranee") == {}  # "työhyvinvointi" is a term of 8.8, not goal 3's "hyvinvointi"
    assert _judged("Hyvinvointitoimialan johtoryhmä kokoontuu") == {}  # a compound's first part is no goal evidence
    assert _judged("Kunnan verkkosivuilla liikuntavinkkejä") == {}  # the negative terms veto goals too


def test_the_lexicon_renders_all_169_targets_with_their_un_wording() -> None:
    lexicon = load_lexicon()
    assert len(lexicon.targets) == 169
    assert {code.split(".")[0] for code in lexicon.targets} == {str(n) for n in range(1, 18)}
    assert lexicon.targets["3.5"].en.startswith("Strengthen the prevention and treatment of substance abuse")
    assert all(target.fi and target.core for target in lexicon.targets.values())
    assert sorted(lexicon.goals, key=int) == [str(n) for n in range(1, 18)]
    assert lexicon.goals["3"].en == "Ensure healthy lives and promote well-being for all at all ages"
    assert all(goal.fi and goal.terms for goal in lexicon.goals.values())
    assert [c for c in lexicon.calibration.values() if c >= lexicon.threshold]  # some evidence is shown by default


# --- data sources ---------------------------------------------------------------------------


def test_indicators_relying_on_national_data_link_to_described_sources(built_settings: Settings) -> None:
    store = open_read_only(built_settings)
    found = rows(
        store,
        """SELECT ?indicator ?source ?g ?name ?homepage WHERE {
             GRAPH ?g { ?indicator kg:dataSource ?source }
             GRAPH <https://w3id.org/kemi-graph/graph/data-sources> {
               ?source a kg:DataSource ; skos:prefLabel ?fi , ?en ; dct:publisher ?org ; foaf:homepage ?homepage .
               ?org foaf:name ?name FILTER(LANG(?name) = "en") FILTER(LANG(?fi) = "fi" && LANG(?en) = "en") } }""",
    )
    links = {(r["indicator"].rsplit("/", 1)[-1], r["source"].rsplit("/", 1)[-1]) for r in found}
    assert links == {
        ("kouluterveyskysely", "kouluterveyskysely"),
        ("hyvinvoinnin-tyokalujen-tieto", "tea-viisari"),
        ("hyvinvoinnin-tyokalujen-tieto", "koulun-hyvinvointiprofiili"),
        ("oph-move-mittaristo", "move"),
        ("valpas-jarjestelma", "valpas"),
    }
    assert {r["g"] for r in found} == {"https://w3id.org/kemi-graph/graph/kemi/interpretation"}
    thl = {r["homepage"] for r in found if r["source"].endswith("/kouluterveyskysely")}
    assert all(h.startswith("https://thl.fi/") for h in thl)
    related = rows(store, "SELECT ?i ?un WHERE { GRAPH ?g { ?i kg:relatedUnIndicator ?un } FILTER(STRENDS(STR(?g), '/interpretation')) }")
    assert {(r["i"].rsplit("/", 1)[-1], r["un"]) for r in related} == {
        ("kouluterveyskysely", str(SDG.C030a01)),
        ("kouluterveyskysely", str(SDG.C160201)),
        ("valpas-jarjestelma", str(SDG.C080601)),
    }


def test_an_unknown_data_source_id_is_refused_naming_the_element(tmp_path: Path) -> None:
    source = data_dir() / "kemi"
    shutil.copytree(source / "source", tmp_path / "source")
    text = (source / "strategy.yaml").read_text(encoding="utf-8").replace("data_sources: [move]", "data_sources: [no-such-source]")
    (tmp_path / "strategy.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"indicators\[3\]\.data_sources.*no-such-source"):
        convert_file(tmp_path / "strategy.yaml", Iris("https://w3id.org/kemi-graph"))


# --- exports --------------------------------------------------------------------------------


def test_export_tables_are_listed() -> None:
    assert set(EXPORT_TABLES) >= {"sdg-links", "indicators", "numeric-results"}


def test_sdg_links_table(built_settings: Settings) -> None:
    store = open_read_only(built_settings)
    table = table_rows(store, "sdg-links")
    kinds: dict[str, int] = {}
    for row in table:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    shown = int(rows(store, "SELECT (COUNT(*) AS ?n) WHERE { ?e kg:suggestedSdg ?t }")[0]["n"])
    assert kinds == {"asserted": 10, "inherited": 290, "suggested": shown}
    assert table[0] == {
        "element": EL + "goal/elinvoimainen-kaupunki",
        "element_label_fi": "ELINVOIMAINEN KAUPUNKI",
        "element_label_en": "A vital city",
        "element_type": "StrategicGoal",
        "strategic_goal": EL + "goal/elinvoimainen-kaupunki",
        "strategic_goal_label_fi": "ELINVOIMAINEN KAUPUNKI",
        "sdg_goal": "http://metadata.un.org/sdg/3",
        "sdg_goal_label_fi": "Terveyttä ja hyvinvointia",
        "sdg_goal_label_en": "Good health and well-being",
        "sdg_target": "",
        "sdg_indicator": "",
        "kind": "asserted",
        "score": "",
        "evidence_class": "",
        "matched_terms": "",
        "method_version": "",
    }
    climate = [r for r in table if r["element"] == EL + "objective/vihrea-ja-kestava-kemi" and r["kind"] == "suggested"]
    assert [(r["sdg_target"], Decimal(r["score"]), r["evidence_class"], r["matched_terms"], r["method_version"]) for r in climate] == [
        ("http://metadata.un.org/sdg/13.2", Decimal("0.79"), "core", "ilmasto; ilmastonmuutos", "2.1"),
        ("http://metadata.un.org/sdg/13.3", Decimal("0.71"), "cues", "ilmasto; ilmastonmuutos", "2.1"),
    ]
    sports = [r for r in table if r["kind"] == "suggested" and r["element_label_fi"].startswith("Liikunnan väliaikaiset")]
    assert [(r["sdg_goal"], r["sdg_target"], r["evidence_class"], r["matched_terms"]) for r in sports] == [
        ("http://metadata.un.org/sdg/3", "", "goal", "liikunta"),
    ]
    assert table == table_rows(store, "sdg-links")  # deterministic order


def test_sdg_links_table_shows_suggestions_under_the_threshold_only_when_asked(built_settings: Settings) -> None:
    store = open_read_only(built_settings)
    threshold = load_lexicon().threshold
    default = [r for r in table_rows(store, "sdg-links") if r["kind"] == "suggested"]
    every = [r for r in table_rows(store, "sdg-links", all_suggestions=True) if r["kind"] == "suggested"]
    assert all(Decimal(r["score"]) >= threshold for r in default)
    assert [r for r in every if Decimal(r["score"]) >= threshold] == default
    assert len(every) == int(rows(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s a kg:SdgSuggestion }")[0]["n"]) > len(default)


def test_indicators_table(built_settings: Settings) -> None:
    table = table_rows(open_read_only(built_settings), "indicators")
    assert len(table) == 38
    audit = [r for r in table if r["indicator"] == EL + "indicator/paivakotien-auditointi"]
    assert audit == [
        {
            "indicator": EL + "indicator/paivakotien-auditointi",
            "indicator_label_fi": "Päiväkodeista auditoitu 80 % vuoden 2023 loppuun mennessä.",
            "indicator_label_en": "80 % of kindergartens audited by the end of 2023.",
            "objective": EL + "objective/vihrea-ja-kestava-kemi",
            "strategic_goal": EL + "goal/elinvoimainen-kaupunki",
            "target_value": "80",
            "target_unit": "http://qudt.org/vocab/unit/PERCENT",
            "target_deadline": "2023-12-31",
            "target_label_en": "80 % of kindergartens audited by the end of 2023",
            "result": EL + "result/paivakotien-auditointi-2023",
            "result_label_fi": "Päiväkodeista auditoitu 5, auditointimatta 3",
            "result_label_en": "5 kindergartens audited, 3 not yet audited",
            "status": "https://w3id.org/kemi-graph/ontology#notAchieved",
            "status_label_en": "not achieved",
        }
    ]


def test_numeric_results_table_as_csv_and_json(built_settings: Settings) -> None:
    store = open_read_only(built_settings)
    text = export_table(store, built_settings, "numeric-results", "csv").decode("utf-8")
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == 24
    library = [r for r in table if r["value"] == "2622"]
    assert len(library) == 1
    assert library[0]["counted_en"] == "self-service library visits"
    assert library[0]["unit"] == "http://qudt.org/vocab/unit/NUM"
    assert library[0]["period"] == "https://w3id.org/kemi-graph/id/period/2023"
    assert library[0]["indicator"] == EL + "indicator/omatoimikirjaston-kayntimaarat"
    assert library[0]["objective"] == EL + "objective/vaikuttavat-ja-saavutettavat-palvelut"
    document = json.loads(export_table(store, built_settings, "numeric-results", "json"))
    assert document["columns"][:3] == ["measurement", "value", "unit"]
    assert len(document["rows"]) == 24
    assert [r["value"] for r in document["rows"] if r["counted_en"] == "share of kindergartens audited"] == [62.5]


def test_export_from_the_command_line(built_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "indicators.json"
    assert main(["--dist-dir", str(built_settings.dist_dir), "export", "indicators", "--format", "json", "-o", str(out)]) == 0
    assert len(json.loads(out.read_text(encoding="utf-8"))["rows"]) == 38
    assert main(["--dist-dir", str(built_settings.dist_dir), "export", "no-such-table"]) == 2
    assert "no-such-table" in capsys.readouterr().err


def test_the_sdg_3_page_lists_kemi_elements_stated_inherited_and_suggested_apart(dist_copy: Settings, kos: Path) -> None:
    from kemi_graph.web.app import create_app

    import_kos(dist_copy, kos, log=lambda line: None)
    app = create_app(dist_copy)
    try:
        client = app.test_client()
        body = client.get("/sdg/3?lang=en").get_data(as_text=True)
        sections = {
            heading: body.split(heading, 1)[1].split("<h3", 1)[0]
            for heading in ("Stated by the city", "Suggested by the project", "Inherited from a broader element")
            if heading in body
        }
        assert set(sections) == {"Stated by the city", "Suggested by the project", "Inherited from a broader element"}
        assert "/id/kemi/kaupunkistrategia/goal/elinvoimainen-kaupunki" in sections["Stated by the city"]
        assert "/objective/" in sections["Inherited from a broader element"]
        assert "/id/kemi/kaupunkistrategia/" in sections["Suggested by the project"]
        assert "/result/liikunnan-valiaikaiset-tilajarjestelyt" in sections["Suggested by the project"]  # a goal-level suggestion
        target = client.get("/sdg/3.4?clang=en")
        assert target.status_code == 200
        assert "reduce by one third premature mortality" in target.get_data(as_text=True)
    finally:
        app.extensions["kemi_graph"].close()
