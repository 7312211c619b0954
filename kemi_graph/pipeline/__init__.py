"""The pipeline that makes a build: load the project's RDF, validate it with SHACL, reason with
OWL-RL, suggest SDG links, then write the store, dumps and publication (``run``); ``incremental``
replaces one municipality in a built dist."""
