"""The pages for people (and their RDF twins), registered by ``create_app`` in this order.

``i18n`` first: its hooks give every page its language.
"""

from __future__ import annotations

from . import examples_rdf, home, i18n, ontology_page, resources, workbench

MODULES = (i18n, home, workbench, examples_rdf, resources, ontology_page)
