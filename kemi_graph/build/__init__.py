"""The build: load the project's RDF, validate it with SHACL, reason with OWL-RL, write the store and dumps."""
