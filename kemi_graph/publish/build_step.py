"""What ``kemi-graph build`` publishes beside the store: compressed dumps, tables, checksums, the description.

:func:`publish_build` runs inside the build's staging folder, after the store and the plain dumps
(``dataset.nq``, ``dataset.trig``, ``graphs/*.ttl``) are written, so a failure here leaves the
previous ``dist/`` in place like any other build failure. It adds the description graph
(``{base}/graph/description``) to the staged store; its counts are computed from the other
graphs before it is added.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from kemi_graph import formats
from kemi_graph.config import Settings
from kemi_graph.errors import ValidationFailed
from kemi_graph.publish import description as desc
from kemi_graph.publish.dumps import (
    Download,
    by_graph,
    describe_file,
    graph_file_stem,
    serialize,
    table_exports,
    write_dumps,
    write_index,
)

DESCRIPTION_FILE = "void.ttl"
STORE_FOLDER = "store"


def publish_build(staging: Path, quads: Sequence[ox.Quad], settings: Settings) -> dict[str, int]:
    """Write the publication into ``staging`` and the description into its store; returns {description graph IRI: triples}.

    ``quads``: the build's quads, as the store was loaded with them, already :func:`stable_quads`.
    """
    downloads: list[Download] = write_dumps(staging, quads, table_exports(quads, settings))
    per_graph = {name: len(graph_quads) for name, graph_quads in by_graph(quads).items()}
    plain = [("dataset.nq", formats.N_QUADS, len(quads), None), ("dataset.trig", formats.TRIG, len(quads), None)]
    plain += [(f"graphs/{graph_file_stem(name)}.ttl", formats.TURTLE, count, name) for name, count in per_graph.items()]
    downloads += [describe_file(staging, name, fmt, n, graph) for name, fmt, n, graph in plain if (staging / name).is_file()]
    downloads.sort(key=lambda d: d.name)
    write_index(staging, downloads)
    description = desc.describe(quads, downloads, settings, desc.Publication(download_base=f"{settings.base_iri}/downloads/"))
    result = desc.validate_description(description)
    if not result.conforms:
        raise ValidationFailed("the dataset description does not conform to ontology/dataset-shapes.ttl; nothing was published", result.report())
    (staging / DESCRIPTION_FILE).write_bytes(serialize(description, formats.TURTLE, desc.DESCRIPTION_PREFIXES))
    store = ox.Store(str(staging / STORE_FOLDER))
    store.extend(description)
    store.flush()
    del store
    return {desc.description_graph(settings.base_iri): len(set(description))}
