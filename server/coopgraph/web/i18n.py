"""French and English for the pages: the language of a request, and the interface strings.

The language is, in order: ``?lang=`` (which also sets the ``lang`` cookie), the cookie, the
browser's Accept-Language, French. Templates get ``lang``, ``other_lang``, ``t(key)`` and
``pick(values)`` (the value in the page's language from a ``{lang: text}`` mapping).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, request

bp = Blueprint("i18n", __name__)

LANGS = ("fr", "en")
COOKIE = "lang"

STRINGS: dict[str, dict[str, str]] = {
    "site": {"fr": "coopgraph", "en": "coopgraph"},
    "tagline": {"fr": "Le graphe de connaissances de la coopération décentralisée",
                "en": "The knowledge graph of decentralised cooperation"},
    "home": {"fr": "Accueil", "en": "Home"},
    "workbench": {"fr": "Requêtes", "en": "Queries"},
    "ontology": {"fr": "Ontologie", "en": "Ontology"},
    "validator": {"fr": "Validateur", "en": "Validator"},
    "examples": {"fr": "Exemples", "en": "Examples"},
    "switch": {"fr": "English", "en": "Français"},
    "switch_label": {"fr": "Switch to English", "en": "Passer en français"},
    "skip": {"fr": "Aller au contenu", "en": "Skip to content"},
    "holds": {"fr": "Ce que contient le graphe", "en": "What the graph holds"},
    "class": {"fr": "Classe", "en": "Class"},
    "entities": {"fr": "Entités", "en": "Entities"},
    "graphs": {"fr": "Graphes nommés", "en": "Named graphs"},
    "graph": {"fr": "Graphe", "en": "Graph"},
    "triples": {"fr": "Triplets", "en": "Triples"},
    "last_build": {"fr": "Dernière construction", "en": "Last build"},
    "coverage": {"fr": "Liens externes", "en": "External links"},
    "coverage_intro": {
        "fr": "Entités liées à un identifiant externe vérifié, par cible :",
        "en": "Entities linked to a verified external identifier, per target:"},
    "contributions": {"fr": "Contributions", "en": "Contributions"},
    "explore": {"fr": "Explorer", "en": "Explore"},
    "explore_workbench": {"fr": "l'atelier de requêtes SPARQL, avec les exemples",
                          "en": "the SPARQL query workbench, with the examples"},
    "explore_ontology": {"fr": "la documentation de l'ontologie",
                         "en": "the ontology documentation"},
    "explore_validator": {"fr": "valider des données avant de les proposer",
                          "en": "validate data before contributing it"},
    "explore_examples": {"fr": "les requêtes d'exemple en RDF",
                         "en": "the example queries as RDF"},
    "endpoint": {"fr": "Le point d'accès SPARQL", "en": "The SPARQL endpoint"},
    "endpoint_intro": {"fr": "Interrogez-le depuis vos propres outils :",
                       "en": "Query it from your own tools:"},
    "descriptions": {"fr": "Descriptions du service", "en": "Service descriptions"},
    "run": {"fr": "Exécuter", "en": "Run"},
    "running": {"fr": "Exécution…", "en": "Running…"},
    "rows": {"fr": "lignes", "en": "rows"},
    "table": {"fr": "Tableau", "en": "Table"},
    "map": {"fr": "Carte", "en": "Map"},
    "network": {"fr": "Réseau", "en": "Network"},
    "chart": {"fr": "Diagramme", "en": "Chart"},
    "timeline": {"fr": "Frise", "en": "Timeline"},
    "download": {"fr": "Télécharger", "en": "Download"},
    "share": {"fr": "L'adresse de cette page garde la requête.",
              "en": "This page's address keeps the query."},
    "load_example": {"fr": "Charger", "en": "Load"},
    "no_results": {"fr": "Aucun résultat.", "en": "No results."},
    "error": {"fr": "Erreur", "en": "Error"},
    "types": {"fr": "Types", "en": "Types"},
    "properties": {"fr": "Propriétés", "en": "Properties"},
    "referenced_by": {"fr": "Référencé par", "en": "Referenced by"},
    "provenance": {"fr": "Provenance", "en": "Provenance"},
    "source_document": {"fr": "Document source", "en": "Source document"},
    "excerpt": {"fr": "Extrait", "en": "Excerpt"},
    "external": {"fr": "Liens externes", "en": "External links"},
    "as_rdf": {"fr": "Cette ressource en RDF", "en": "This resource as RDF"},
    "document_text": {"fr": "Texte du document", "en": "Text of the document"},
    "not_found": {"fr": "Ressource inconnue", "en": "Unknown resource"},
    "not_found_text": {
        "fr": "Le graphe ne dit rien de cette IRI. Cherchez-la avec une requête, ou partez "
              "de l'accueil.",
        "en": "The graph says nothing about this IRI. Look for it with a query, or start "
              "from the home page."},
    "classes": {"fr": "Classes", "en": "Classes"},
    "object_properties": {"fr": "Propriétés d'objet", "en": "Object properties"},
    "datatype_properties": {"fr": "Propriétés de données", "en": "Datatype properties"},
    "datatypes": {"fr": "Types de données", "en": "Datatypes"},
    "domain": {"fr": "Domaine", "en": "Domain"},
    "range": {"fr": "Portée", "en": "Range"},
    "subclass_of": {"fr": "Sous-classe de", "en": "Subclass of"},
    "shapes": {"fr": "Formes SHACL", "en": "SHACL shapes"},
    "diagram": {"fr": "Schéma des classes principales", "en": "Diagram of the main classes"},
    "count": {"fr": "Nombre", "en": "Count"},
    "query_this": {"fr": "Interroger", "en": "Query"},
}


def choose_lang() -> str:
    """The page language of the current request."""
    asked = request.args.get("lang")
    if asked in LANGS:
        return asked
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGS:
        return cookie
    return request.accept_languages.best_match(LANGS) or "fr"


def lang() -> str:
    """The page language, computed once per request."""
    if "lang" not in g:
        g.lang = choose_lang()
    return str(g.lang)


def t(key: str) -> str:
    """The interface string ``key`` in the page language."""
    return STRINGS[key][lang()]


def pick(values: dict[str, str] | None, default: str = "") -> str:
    """From ``{lang: text}``: the page language, else the other one, else any, else default."""
    if not values:
        return default
    current = lang()
    for code in (current, *(x for x in LANGS if x != current), ""):
        if code in values:
            return values[code]
    return next(iter(values.values()))


@bp.app_context_processor
def _context() -> dict[str, Any]:
    current = lang()
    other = "en" if current == "fr" else "fr"
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    switch_url = request.path + "?" + urlencode([*args, ("lang", other)])
    return {"lang": current, "other_lang": other, "t": t, "pick": pick,
            "switch_url": switch_url}


@bp.after_app_request
def _remember(response: Response) -> Response:
    """``?lang=`` is remembered in a cookie; pages vary with the cookie and Accept-Language."""
    asked = request.args.get("lang")
    if asked in LANGS:
        response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax")
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response
