"""The web layer: the SPARQL endpoint and the linked-data pages, as a Flask app (create_app)."""
