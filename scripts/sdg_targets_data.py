"""Writes data/sdg/sdg-targets.ttl: the UN SDG targets and indicators with their English texts,
taken from a local copy of the UN SDG KOS (sdg-kos-goals-targets-indicators.ttl).

    python scripts/sdg_targets_data.py PATH/TO/sdg-kos-goals-targets-indicators.ttl

Run it again only to refresh the file from a newer KOS; the build reads the file it wrote.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

SDGO = Namespace("http://metadata.un.org/sdg/ontology#")
OUT = Path(__file__).resolve().parent.parent / "data" / "sdg" / "sdg-targets.ttl"

HEADER = """\
# The 169 UN SDG targets and 232 indicators, as project data for the kemi-graph SDG goals graph,
# so that every page can name a target or an indicator without `kemi-graph sdg import`.
#
# IRIs are the UN SDG KOS IRIs (target http://metadata.un.org/sdg/3.8, indicator
# http://metadata.un.org/sdg/C030801), so these triples are identical to the UN's own when the
# full KOS is imported beside them.
#
# Source (written by scripts/sdg_targets_data.py, facts taken, the file not copied): the UN SDG
# KOS, UNStats/LOD4Stats sdg-data/sdg-kos-goals-targets-indicators.ttl, commit 0ae578ba (2020):
# each target's and indicator's type, compact code (skos:notation, sdgo:SDGCodeCompact; an
# indicator repeated under several targets has several), its parent (skos:broader) and its
# English text (skos:prefLabel @en) verbatim. The indicator list is the 2019 version, from
# before the 2020 comprehensive review. No Finnish texts: the project has none for the targets
# and indicators (data/sdg/sdg-goals.ttl names the goals in Finnish).
# Terms of the source: "made available free of charge and may be copied freely, duplicated and
# further distributed with the following citation: Amit Joshi, Luis Gonzalez Morales, Szymon
# Klarman, and Aaron Helton. 2019. A Knowledge Organization System for the United Nations
# Sustainable Development Goals. New York, NY. http://metadata.un.org/sdg"

"""


def extract(kos: Graph) -> Graph:
    out = Graph()
    out.bind("sdg", "http://metadata.un.org/sdg/")
    out.bind("sdgo", SDGO)
    out.bind("skos", SKOS)
    for cls in (SDGO.Target, SDGO.Indicator):
        for node in kos.subjects(RDF.type, cls):
            out.add((node, RDF.type, cls))
            for notation in kos.objects(node, SKOS.notation):
                if isinstance(notation, Literal) and notation.datatype == SDGO.SDGCodeCompact:
                    out.add((node, SKOS.notation, notation))
            for parent in kos.objects(node, SKOS.broader):
                out.add((node, SKOS.broader, parent))
            for label in kos.objects(node, SKOS.prefLabel):
                if isinstance(label, Literal) and label.language == "en":
                    out.add((node, SKOS.prefLabel, label))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    kos = Graph().parse(argv[0], format="turtle")
    data = extract(kos)
    targets = len(set(data.subjects(RDF.type, SDGO.Target)))
    indicators = len(set(data.subjects(RDF.type, SDGO.Indicator)))
    if not isinstance(next(iter(data.subjects()), None), URIRef) or targets != 169:
        print(f"{argv[0]}: expected the UN SDG KOS with 169 targets, found {targets}", file=sys.stderr)
        return 2
    OUT.write_text(HEADER + data.serialize(format="turtle"), encoding="utf-8")
    print(f"{OUT}: {targets} targets, {indicators} indicators, {len(data)} triples")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
