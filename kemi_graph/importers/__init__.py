"""Readers that turn a municipality's source material into RDF with provenance."""
