"""Linked-data pages: the blueprint ``bp`` (create_app registers it) holding every kind of page.

Routes (each in its view module under :mod:`kemi_graph.web.views`):

==========================  ==========================================================
``/``                       the dataset's landing page (HTML): views.landing
``/id/<path>``              a data resource ``{base}/id/<path>``: HTML or RDF by negotiation: views.resource
``/graph/<path>``           a named graph's IRI ``{base}/graph/<path>``, the same way
``/resource?iri=...``       any IRI the store knows; IRIs with a page of their own redirect to it
``/ontology``               the ontology (``https://w3id.org/kemi-graph/ontology``): views.ontology
``/sdg/<code>``             an SDG goal, target or indicator (``http://metadata.un.org/sdg/<code>``): views.sdg
``/downloads/…``            the dumps: see kemi_graph.web.publication
==========================  ==========================================================

What the pages share (languages, links, negotiation, caching) is in kemi_graph.web.page_kit;
what they show is gathered from the store in kemi_graph.web.model. Every query binds its values
through pyoxigraph substitutions; nothing from a request is pasted into SPARQL.
"""

from __future__ import annotations

from flask import Blueprint

from kemi_graph.web.views import VIEWS

bp = Blueprint("pages", __name__)
for view in VIEWS:
    bp.register_blueprint(view)
