"""SHACL validation with pyshacl, and a report a person can read: focus node's label, path, message."""

from __future__ import annotations

from dataclasses import dataclass

import pyshacl
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import SH

from kemi_graph.pipeline.load import shapes_graph


@dataclass(frozen=True)
class Violation:
    focus: str
    label: str
    path: str
    message: str
    severity: str

    def line(self) -> str:
        named = f"{self.focus} ({self.label})" if self.label else self.focus
        path = f" {self.path}:" if self.path else ""
        return f"{self.severity}: {named}:{path} {self.message}"


@dataclass(frozen=True)
class ValidationResult:
    conforms: bool
    violations: list[Violation]

    def report(self) -> str:
        if self.conforms:
            return "Conforms: no violations."
        lines = [v.line() for v in self.violations]
        return f"{len(lines)} violation(s):\n" + "\n".join(lines)


def validate(data: Graph, shapes: Graph | None = None) -> ValidationResult:
    """Validate ``data`` (ontology included, so class hierarchies are known) without inference."""
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=shapes if shapes is not None else shapes_graph(), inference="none", allow_warnings=True
    )
    violations = sorted(_violations(report, data), key=lambda v: (v.focus, v.path, v.message))
    return ValidationResult(bool(conforms), violations)


def _violations(report: Graph, data: Graph) -> list[Violation]:
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(result, SH.resultSeverity)
        if severity != SH.Violation:
            continue
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        value = report.value(result, SH.value)
        text = str(message) if message is not None else "does not conform"
        if value is not None and str(value) not in text:
            text += f" (value: {value.n3() if isinstance(value, URIRef) else value})"
        found.append(
            Violation(
                focus=_name(focus, data),
                label=_label(focus, data),
                path=_name(path, data) if path is not None else "",
                message=text,
                severity="Violation",
            )
        )
    return found


def _name(node: object, data: Graph) -> str:
    if isinstance(node, URIRef):
        try:
            return data.namespace_manager.normalizeUri(node)
        except Exception:  # rdflib cannot shorten every IRI; the full IRI is still a fine name
            return f"<{node}>"
    return str(node)


def _label(node: object, data: Graph) -> str:
    labels = [*data.objects(node, SKOS.prefLabel), *data.objects(node, RDFS.label)] if node is not None else []
    for lang in ("fi", "en", None):
        for label in labels:
            if isinstance(label, Literal) and label.language == lang:
                text = str(label)
                return text if len(text) <= 80 else text[:77] + "..."
    return ""
