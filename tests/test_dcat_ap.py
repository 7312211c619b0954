"""The dataset description against SEMIC's DCAT-AP 3.0.0 SHACL shapes, as data portals harvest it.

The shapes are read from ``../shared/conformance/dcat-ap-3.0.0/`` (see its SOURCES.md); the
warnings left by the recommended shapes are exactly those docs/publishing.md justifies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyshacl
import pytest
import rdflib
from rdflib.namespace import SH

from conftest import shared_conformance_dir

BASE = "https://w3id.org/kemi-graph"
# (path, focus node below the base IRI): each justified in docs/publishing.md.
JUSTIFIED = {
    *{(f"http://purl.org/dc/terms/{p}", f"/dataset/graph/{g}") for p in ("spatial", "temporal") for g in ("ontology", "sdg-goals", "data-sources")},
    ("http://www.w3.org/ns/dcat#bbox", "/id/kemi/area"),
    ("http://www.w3.org/ns/dcat#centroid", "/id/kemi/area"),
}


@pytest.fixture(scope="module")
def shapes_dir() -> Path:
    folder = shared_conformance_dir() / "dcat-ap-3.0.0"
    if not (folder / "shapes.ttl").is_file():
        pytest.skip(f"DCAT-AP 3.0.0 shapes not found in {folder} (set KEMI_GRAPH_SHARED_DIR to the 'shared' folder)")
    return folder


@pytest.fixture(scope="module")
def description(app: Any) -> rdflib.Graph:
    response = app.test_client().get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return rdflib.Graph().parse(data=response.data, format="turtle")


def _results(description: rdflib.Graph, shapes: Path) -> list[tuple[str, str, str, str]]:
    """(severity, path, focus node, message) of every validation result."""
    _, report, _ = pyshacl.validate(description, shacl_graph=rdflib.Graph().parse(shapes), inference="rdfs")
    return sorted(
        (
            str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
            str(report.value(r, SH.resultPath)),
            str(report.value(r, SH.focusNode)).removeprefix(BASE),
            str(report.value(r, SH.resultMessage)),
        )
        for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)
    )


def test_the_description_has_no_violation_of_the_dcat_ap_base_shapes(description: rdflib.Graph, shapes_dir: Path) -> None:
    assert _results(description, shapes_dir / "shapes.ttl") == []


def test_the_recommended_shapes_leave_only_the_justified_warnings(description: rdflib.Graph, shapes_dir: Path) -> None:
    results = _results(description, shapes_dir / "shapes_recommended.ttl")
    assert {severity for severity, *_ in results} <= {"Warning"}
    unexplained = [r for r in results if (r[1], r[2]) not in JUSTIFIED]
    assert unexplained == []


def test_file_sizes_are_decimals_and_files_say_how_long_they_stay(description: rdflib.Graph) -> None:
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    sizes = list(description.objects(None, dcat.byteSize))
    assert sizes and {size.datatype for size in sizes} == {rdflib.XSD.decimal}
    availability = set(description.objects(None, rdflib.URIRef("http://data.europa.eu/r5r/availability")))
    assert availability == {rdflib.URIRef("http://publications.europa.eu/resource/authority/planned-availability/AVAILABLE")}
