"""Open-data publication: dumps, the DCAT/VoID description, releases and their changelog.

No Flask here. Everything a publication writes is deterministic: quads are sorted, blank nodes
get canonical labels (RDFC-1.0), dates come from the input, gzip streams carry no timestamp.

- :mod:`kemi_graph.publish.dumps`: compressed dumps per dataset and per named graph, tidy CSV
  tables, ``SHA256SUMS`` and the ``downloads.json`` manifest;
- :mod:`kemi_graph.publish.description`: the DCAT-AP / VoID description of the dumps, its counts
  taken from the graphs it describes;
- :mod:`kemi_graph.publish.release`: ``kemi-graph release VERSION`` and the changelog;
- :mod:`kemi_graph.publish.assemble`: what ``kemi-graph build`` (and an import, in place) adds to
  ``dist/``, made per graph and per part from pieces it keeps;
- :mod:`kemi_graph.publish.stats`: the description's counts and facts, per part, added up;
- :mod:`kemi_graph.publish.schema_org`: schema.org JSON-LD for the pages (search engines).
"""
