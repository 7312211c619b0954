"""The pages, one module per kind of page, each a blueprint rendering its own template.

Adding a page means adding a module here (its routes, over a model in
:mod:`kemi_graph.web.model` and the shared machinery of :mod:`kemi_graph.web.page_kit`), its
template in ``web/templates/``, and its entry in :data:`VIEWS`.
"""

from __future__ import annotations

from flask import Blueprint

from kemi_graph.web.views import landing, ontology, report, resource, sdg

VIEWS: tuple[Blueprint, ...] = (landing.bp, resource.bp, ontology.bp, sdg.bp, report.bp)
