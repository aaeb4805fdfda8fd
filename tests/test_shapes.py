"""The SHACL shapes: a complete valid fixture conforms, and every rule rejects a broken example.

Why one combined validation: each case is a few lines of Turtle describing a NEW broken
entity next to the valid fixture, so all cases can be validated together in one pyshacl run
(seconds instead of minutes on shared CPUs); each parametrised test then looks for its own
result (focus node, shape, severity, French and English message).
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from coopgraph.config import PROJECT_ROOT
from coopgraph.rdfio import parse_bytes, read_graph
from coopgraph.validate import Report, load_ontology, load_shapes, validate_graph

FIXTURES = Path(__file__).parent / "fixtures" / "validate"
VALID = FIXTURES / "valid.ttl"
CGSH = "https://w3id.org/coopgraph/shapes#"
ID = "https://w3id.org/coopgraph/id/"
SRC = "doc:999_0123456789abcdef"


def _prefixes() -> str:
    return "".join(line + "\n" for line in VALID.read_text().splitlines()
                   if line.startswith("@prefix"))


def expand(name: str) -> str:
    """``actor:x`` → the full IRI (the fixture's prefixes are all under id/)."""
    prefix, local = name.split(":", 1)
    folders = {"doc": "document", "level": "concept/level", "theme": "concept/theme",
               "role": "concept/role", "fkind": "concept/figure-kind"}
    return ID + folders.get(prefix, prefix) + "/" + local


# (id, Turtle, focus node, shape local name, severity, French substring, English substring)
CASES: list[tuple[str, str, str, str, str, str, str]] = [
    # --- labels -----------------------------------------------------------------------------
    ("label-missing",
     f"actor:c-label-missing a cg:CivilSocietyOrganisation ; dcterms:source {SRC} .",
     "actor:c-label-missing", "prefLabel-fr", "Violation",
     "exactement un libellé en français", "exactly one French label"),
    ("label-two-fr",
     f'actor:c-label-two-fr a cg:CivilSocietyOrganisation ; skos:prefLabel "A"@fr , "B"@fr ; '
     f"dcterms:source {SRC} .",
     "actor:c-label-two-fr", "prefLabel-fr", "Violation",
     "exactement un libellé en français", "exactly one French label"),
    ("label-two-en",
     f'actor:c-label-two-en a cg:CivilSocietyOrganisation ; skos:prefLabel "A"@fr , "B"@en , '
     f'"C"@en ; dcterms:source {SRC} .',
     "actor:c-label-two-en", "prefLabel-uniqueLang", "Violation",
     "au plus un libellé par langue", "at most one label per language"),
    ("label-plain",
     f'actor:c-label-plain a cg:CivilSocietyOrganisation ; skos:prefLabel "A"@fr , "B" ; '
     f"dcterms:source {SRC} .",
     "actor:c-label-plain", "prefLabel-langString", "Violation",
     "étiquette de langue", "language tag"),
    ("label-spanish",
     f'actor:c-label-spanish a cg:CivilSocietyOrganisation ; skos:prefLabel "A"@fr , "B"@es ; '
     f"dcterms:source {SRC} .",
     "actor:c-label-spanish", "prefLabel-languages", "Warning",
     "seules les langues fr et en", "only the fr and en languages"),
    ("altlabel-plain",
     f'actor:c-altlabel-plain a cg:CivilSocietyOrganisation ; skos:prefLabel "A"@fr ; '
     f'skos:altLabel "AA" ; dcterms:source {SRC} .',
     "actor:c-altlabel-plain", "altLabel-langString", "Warning",
     "skos:altLabel devrait porter", "skos:altLabel should carry"),
    ("description-plain",
     f'actor:c-description-plain a cg:CivilSocietyOrganisation ; skos:prefLabel "A"@fr ; '
     f'dcterms:description "Texte" ; dcterms:source {SRC} .',
     "actor:c-description-plain", "description-langString", "Warning",
     "dcterms:description devrait", "dcterms:description should"),
    # --- provenance ---------------------------------------------------------------------------
    ("source-missing",
     'actor:c-source-missing a cg:CivilSocietyOrganisation ; skos:prefLabel "A"@fr .',
     "actor:c-source-missing", "source-required", "Violation",
     "au moins un document source", "at least one source document"),
    ("source-not-document",
     'territory:c-source-web a cg:Territory ; skos:prefLabel "A"@fr ; '
     "cg:administrativeLevel level:country ; dcterms:source <https://example.org/page> .",
     "territory:c-source-web", "source-class", "Violation",
     "l'un des cinq documents sources", "one of the five source documents"),
    ("evidence-missing",
     "figure:c-evidence-missing a cg:Figure ; schema:value 3 ; cg:measures fkind:staff . "
     "actor:agence-test cg:staff figure:c-evidence-missing .",
     "figure:c-evidence-missing", "evidence-required", "Violation",
     "au moins une preuve", "at least one piece of evidence"),
    ("evidence-untyped",
     "figure:c-evidence-untyped a cg:Figure ; schema:value 3 ; cg:measures fkind:staff ; "
     f'cg:evidence [ prov:entity {SRC} ; cg:excerpt "3"@fr ] . '
     "actor:agence-test cg:staff figure:c-evidence-untyped .",
     "figure:c-evidence-untyped", "evidence-class", "Violation",
     "de type cg:Evidence", "of type cg:Evidence"),
    # --- shared relations ---------------------------------------------------------------------
    ("theme-unknown",
     f'actor:c-theme a cg:CivilSocietyOrganisation ; skos:prefLabel "A"@fr ; '
     f"cg:theme theme:no-such-theme ; dcterms:source {SRC} .",
     "actor:c-theme", "theme-class", "Violation",
     "concept déclaré du schéma theme", "declared concept of the theme scheme"),
    ("agenda-wrong-scheme",
     f'actor:c-agenda a cg:CivilSocietyOrganisation ; skos:prefLabel "A"@fr ; '
     f"cg:agenda theme:culture ; dcterms:source {SRC} .",
     "actor:c-agenda", "agenda-class", "Violation",
     "du schéma agenda", "of the agenda scheme"),
    ("location-actor",
     'project:c-location a cg:Project ; skos:prefLabel "A"@fr ; '
     f"cg:location actor:reseau-test ; dcterms:source {SRC} .",
     "project:c-location", "location-class", "Violation",
     "cg:Territory ou un cg:Venue", "cg:Territory or a cg:Venue"),
    ("hasParticipation-actor",
     'project:c-has-participation a cg:Project ; skos:prefLabel "A"@fr ; '
     f"cg:hasParticipation actor:reseau-test ; dcterms:source {SRC} .",
     "project:c-has-participation", "hasParticipation-class", "Violation",
     "désigner un cg:Participation", "point to a cg:Participation"),
    ("output-territory",
     'project:c-output a cg:Project ; skos:prefLabel "A"@fr ; '
     f"cg:output territory:testville ; dcterms:source {SRC} .",
     "project:c-output", "output-class", "Violation",
     "cg:output doit désigner", "cg:output must point"),
    ("figure-literal",
     'actor:c-figure a cg:CivilSocietyOrganisation ; skos:prefLabel "A"@fr ; cg:figure "12" ; '
     f"dcterms:source {SRC} .",
     "actor:c-figure", "figure-class", "Violation",
     "cg:figure doit désigner", "cg:figure must point"),
    ("operatedBy-territory",
     'project:c-operated a cg:Project ; skos:prefLabel "A"@fr ; '
     f"cg:operatedBy territory:testville ; dcterms:source {SRC} .",
     "project:c-operated", "operatedBy-class", "Violation",
     "cg:operatedBy doit désigner un acteur", "cg:operatedBy must point to an actor"),
    ("role-unknown",
     "participation:c-role a cg:Participation ; cg:agent actor:reseau-test ; "
     "cg:role role:no-such-role ; cg:participationIn project:projet-eau-test .",
     "participation:c-role", "role-concept", "Violation",
     "du schéma role", "of the role scheme"),
    ("org-role-wrong-scheme",
     "membership:c-org-role a cg:Membership ; org:member actor:association-test ; "
     "org:organization actor:reseau-test ; org:role theme:culture .",
     "membership:c-org-role", "orgRole-concept", "Violation",
     "org:role doit être un concept", "org:role must be a declared concept"),
    # --- actors -------------------------------------------------------------------------------
    ("partyTo-project",
     f'actor:c-party-to a cg:CivilSocietyOrganisation ; skos:prefLabel "A"@fr ; '
     f"cg:partyTo project:projet-eau-test ; dcterms:source {SRC} .",
     "actor:c-party-to", "actor-partyTo-class", "Violation",
     "cg:partyTo doit désigner", "cg:partyTo must point"),
    ("headquarters-actor",
     f'actor:c-hq a cg:CivilSocietyOrganisation ; skos:prefLabel "A"@fr ; '
     f"cg:headquarters actor:reseau-test ; dcterms:source {SRC} .",
     "actor:c-hq", "organisation-headquarters-class", "Violation",
     "cg:headquarters doit désigner", "cg:headquarters must point"),
    ("foundingPlace-actor",
     f'actor:c-founding-place a cg:CivilSocietyOrganisation ; skos:prefLabel "A"@fr ; '
     f"cg:foundingPlace actor:reseau-test ; dcterms:source {SRC} .",
     "actor:c-founding-place", "organisation-foundingPlace-class", "Violation",
     "cg:foundingPlace doit désigner", "cg:foundingPlace must point"),
    ("subOrganizationOf-territory",
     f'actor:c-sub a cg:StateBody ; skos:prefLabel "A"@fr ; '
     f"org:subOrganizationOf territory:testland ; dcterms:source {SRC} .",
     "actor:c-sub", "organisation-subOrganizationOf-class", "Violation",
     "org:subOrganizationOf doit désigner", "org:subOrganizationOf must point"),
    ("mergedInto-person",
     f'actor:c-merged a cg:LocalGovernmentNetwork ; skos:prefLabel "A"@fr ; '
     f"cg:mergedInto person:jeanne-test ; dcterms:source {SRC} .",
     "actor:c-merged", "organisation-mergedInto-class", "Violation",
     "cg:mergedInto doit désigner", "cg:mergedInto must point"),
    ("mergerOf-territory",
     f'actor:c-merger a cg:LocalGovernmentNetwork ; skos:prefLabel "A"@fr ; '
     f"cg:mergerOf territory:testland ; dcterms:source {SRC} .",
     "actor:c-merger", "organisation-mergerOf-class", "Violation",
     "cg:mergerOf doit désigner", "cg:mergerOf must point"),
    ("staff-literal",
     f'actor:c-staff a cg:PublicBody ; skos:prefLabel "A"@fr ; cg:staff 28 ; '
     f"dcterms:source {SRC} .",
     "actor:c-staff", "organisation-staff-class", "Violation",
     "cg:staff doit désigner", "cg:staff must point"),
    ("local-government-governs-nothing",
     f'actor:c-governs-nothing a cg:LocalGovernment ; skos:prefLabel "A"@fr ; '
     f"dcterms:source {SRC} .",
     "actor:c-governs-nothing", "localGovernment-governs-required", "Violation",
     "gouverne au moins un territoire", "governs at least one territory"),
    ("local-government-governs-actor",
     f'actor:c-governs-actor a cg:LocalGovernment ; skos:prefLabel "A"@fr ; '
     f"cg:governs actor:reseau-test ; dcterms:source {SRC} .",
     "actor:c-governs-actor", "localGovernment-governs-class", "Violation",
     "cg:governs doit désigner", "cg:governs must point"),
    ("network-as-unit",
     f'actor:c-network-unit a cg:LocalGovernmentNetwork ; skos:prefLabel "A"@fr ; '
     f"org:unitOf actor:reseau-test ; dcterms:source {SRC} .",
     "actor:c-network-unit", "network-unitOf-absent", "Warning",
     "utiliser cg:NetworkBody", "use cg:NetworkBody"),
    ("unit-of-nothing",
     f'actor:c-unit-of-nothing a cg:NetworkBody ; skos:prefLabel "A"@fr ; '
     f"dcterms:source {SRC} .",
     "actor:c-unit-of-nothing", "unit-unitOf-required", "Violation",
     "de quelle organisation il relève", "which organisation it belongs to"),
    ("unit-of-territory",
     f'actor:c-unit-of-territory a cg:LocalGovernmentService ; skos:prefLabel "A"@fr ; '
     f"org:unitOf territory:testville ; dcterms:source {SRC} .",
     "actor:c-unit-of-territory", "unit-unitOf-class", "Violation",
     "org:unitOf doit désigner", "org:unitOf must point"),
    ("network-body-of-local-government",
     f'actor:c-body-of-lg a cg:NetworkBody ; skos:prefLabel "A"@fr ; '
     f"org:unitOf actor:departement-test ; dcterms:source {SRC} .",
     "actor:c-body-of-lg", "networkBody-unitOf-network", "Warning",
     "relève normalement d'un réseau", "normally belongs to a network"),
    ("service-of-network",
     f'actor:c-service-of-network a cg:LocalGovernmentService ; skos:prefLabel "A"@fr ; '
     f"org:unitOf actor:reseau-test ; dcterms:source {SRC} .",
     "actor:c-service-of-network", "service-unitOf-localGovernment", "Warning",
     "relève normalement d'une collectivité", "normally belongs to a local government"),
    ("person-holds-actor",
     f'person:c-holds a cg:Person ; skos:prefLabel "A"@fr ; org:holds actor:reseau-test ; '
     f"dcterms:source {SRC} .",
     "person:c-holds", "person-holds-class", "Violation",
     "org:holds doit désigner un poste", "org:holds must point to a position"),
    # --- positions ----------------------------------------------------------------------------
    ("position-no-holder",
     'post:c-no-holder a cg:Position ; skos:prefLabel "A"@fr ; org:postIn actor:reseau-test ; '
     f'cg:evidence [ a cg:Evidence ; prov:entity {SRC} ; cg:excerpt "A"@fr ] .',
     "post:c-no-holder", "position-heldBy", "Violation",
     "exactement une personne", "exactly one person"),
    ("position-held-by-organisation",
     'post:c-held-by-org a cg:Position ; skos:prefLabel "A"@fr ; org:heldBy actor:reseau-test ; '
     "org:postIn actor:reseau-test .",
     "post:c-held-by-org", "position-heldBy-class", "Violation",
     "org:heldBy doit désigner une personne", "org:heldBy must point to a person"),
    ("position-two-organisations",
     'post:c-two-orgs a cg:Position ; skos:prefLabel "A"@fr ; '
     "org:postIn actor:reseau-test , actor:agence-test .",
     "post:c-two-orgs", "position-postIn-max", "Violation",
     "au plus une organisation", "at most one organisation"),
    ("position-no-organisation",
     'post:c-no-org a cg:Position ; skos:prefLabel "A"@fr .',
     "post:c-no-org", "position-postIn-required", "Warning",
     "dans quelle organisation", "in which organisation"),
    ("position-in-territory",
     'post:c-in-territory a cg:Position ; skos:prefLabel "A"@fr ; org:postIn territory:testville .',
     "post:c-in-territory", "position-postIn-class", "Violation",
     "org:postIn doit désigner", "org:postIn must point"),
    ("position-one-direction",
     'post:c-one-way a cg:Position ; skos:prefLabel "A"@fr ; org:heldBy person:jeanne-test ; '
     "org:postIn actor:reseau-test .",
     "post:c-one-way", "position-holds-inverse", "Warning",
     "org:heldBy et org:holds", "org:heldBy and org:holds"),
    ("position-former-text",
     'post:c-former a cg:Position ; skos:prefLabel "A"@fr ; cg:former "oui" .',
     "post:c-former", "position-former-boolean", "Violation",
     "xsd:boolean", "xsd:boolean"),
    # --- territories --------------------------------------------------------------------------
    ("territory-no-level",
     f'territory:c-no-level a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:country territory:testland ; dcterms:source {SRC} .",
     "territory:c-no-level", "territory-level", "Violation",
     "exactement un niveau administratif", "exactly one administrative level"),
    ("territory-two-levels",
     f'territory:c-two-levels a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel level:region , level:department ; "
     f"cg:country territory:testland ; dcterms:source {SRC} .",
     "territory:c-two-levels", "territory-level", "Violation",
     "exactement un niveau administratif", "exactly one administrative level"),
    ("territory-level-wrong-scheme",
     f'territory:c-level-theme a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel theme:culture ; cg:country territory:testland ; "
     f"dcterms:source {SRC} .",
     "territory:c-level-theme", "territory-level-concept", "Violation",
     "du schéma level", "of the level scheme"),
    ("territory-level-undeclared",
     f'territory:c-level-typo a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel level:municipalty ; cg:country territory:testland ; "
     f"dcterms:source {SRC} .",
     "territory:c-level-typo", "territory-level-concept", "Violation",
     "concept déclaré", "declared concept"),
    ("territory-no-country",
     f'territory:c-no-country a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel level:municipality ; dcterms:source {SRC} .",
     "territory:c-no-country", "TerritoryCountryShape", "Warning",
     "indique son pays", "states its country"),
    ("territory-region-in-something-no-country",
     f'territory:c-west-bank a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel level:territory ; cg:withinTerritory territory:testland ; "
     f"dcterms:source {SRC} .",
     "territory:c-west-bank", "TerritoryCountryShape", "Warning",
     "indique son pays", "states its country"),
    ("territory-country-not-country",
     f'territory:c-country-dept a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel level:municipality ; cg:country territory:test-department ; "
     f"dcterms:source {SRC} .",
     "territory:c-country-dept", "territory-country-is-country", "Violation",
     "territoire de niveau pays", "territory of level country"),
    ("territory-two-countries",
     f'territory:c-two-countries a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel level:municipality ; cg:country territory:testland , "
     f"territory:c-other-country ; dcterms:source {SRC} . "
     f'territory:c-other-country a cg:Territory ; skos:prefLabel "B"@fr ; '
     f"cg:administrativeLevel level:country ; dcterms:source {SRC} .",
     "territory:c-two-countries", "territory-country-max", "Warning",
     "un seul pays", "a single country"),
    ("territory-country-actor",
     f'territory:c-country-actor a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel level:municipality ; cg:country actor:reseau-test ; "
     f"dcterms:source {SRC} .",
     "territory:c-country-actor", "territory-country-class", "Violation",
     "cg:country doit désigner un cg:Territory", "cg:country must point to a cg:Territory"),
    ("territory-within-actor",
     f'territory:c-within a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel level:municipality ; cg:country territory:testland ; "
     f"cg:withinTerritory actor:reseau-test ; dcterms:source {SRC} .",
     "territory:c-within", "territory-within-class", "Violation",
     "cg:withinTerritory doit désigner", "cg:withinTerritory must point"),
    ("territory-capital-actor",
     f'territory:c-capital a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel level:country ; cg:capital actor:reseau-test ; "
     f"dcterms:source {SRC} .",
     "territory:c-capital", "territory-capital-class", "Violation",
     "cg:capital doit désigner", "cg:capital must point"),
    ("territory-population-literal",
     f'territory:c-population a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel level:country ; cg:population 12000 ; dcterms:source {SRC} .",
     "territory:c-population", "territory-population-class", "Violation",
     "cg:population doit désigner", "cg:population must point"),
    ("territory-area-literal",
     f'territory:c-area a cg:Territory ; skos:prefLabel "A"@fr ; '
     f'cg:administrativeLevel level:country ; cg:area "12 km2" ; dcterms:source {SRC} .',
     "territory:c-area", "territory-area-class", "Violation",
     "cg:area doit désigner", "cg:area must point"),
    ("territory-governed-by-network",
     f'territory:c-governed a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel level:country ; cg:governedBy actor:reseau-test ; "
     f"dcterms:source {SRC} .",
     "territory:c-governed", "territory-governedBy-class", "Violation",
     "cg:governedBy doit désigner", "cg:governedBy must point"),
    ("territory-governs-one-way",
     f'territory:c-one-way a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel level:country ; dcterms:source {SRC} . "
     f'actor:c-lg-one-way a cg:LocalGovernment ; skos:prefLabel "B"@fr ; '
     f"cg:governs territory:c-one-way ; dcterms:source {SRC} .",
     "territory:c-one-way", "territory-governs-inverse", "Warning",
     "cg:governs et cg:governedBy", "cg:governs and cg:governedBy"),
    ("venue-country-not-country",
     f'territory:c-venue-2 a cg:Venue ; skos:prefLabel "A"@fr ; '
     f"cg:country territory:testville ; dcterms:source {SRC} .",
     "territory:c-venue-2", "territory-country-is-country", "Violation",
     "territoire de niveau pays", "territory of level country"),
    ("venue-no-country",
     f'territory:c-venue a cg:Venue ; skos:prefLabel "A"@fr ; '
     f"cg:withinTerritory territory:testville ; dcterms:source {SRC} .",
     "territory:c-venue", "venue-country-required", "Warning",
     "Un lieu devrait indiquer son pays", "A venue should state its country"),
    # --- partnerships, projects, funding ------------------------------------------------------
    ("partnership-one-party",
     f'partnership:c-one-party a cg:Partnership ; skos:prefLabel "A"@fr ; '
     f"cg:party actor:departement-test ; dcterms:source {SRC} .",
     "partnership:c-one-party", "partnership-party-count", "Violation",
     "au moins deux", "at least two"),
    ("partnership-party-territory",
     f'partnership:c-party-territory a cg:Partnership ; skos:prefLabel "A"@fr ; '
     f"cg:party actor:departement-test , territory:testville ; dcterms:source {SRC} .",
     "partnership:c-party-territory", "partnership-party-class", "Violation",
     "cg:party doit désigner un acteur", "cg:party must point to an actor"),
    ("partnership-one-way",
     f'partnership:c-party-one-way a cg:Partnership ; skos:prefLabel "A"@fr ; '
     f"cg:party actor:departement-test , actor:association-test ; dcterms:source {SRC} .",
     "partnership:c-party-one-way", "partnership-partyTo-inverse", "Warning",
     "cg:party et cg:partyTo", "cg:party and cg:partyTo"),
    ("partnership-partner-territory-actor",
     f'partnership:c-partner-territory a cg:Partnership ; skos:prefLabel "A"@fr ; '
     f"cg:partnerTerritory actor:reseau-test ; dcterms:source {SRC} .",
     "partnership:c-partner-territory", "partnership-partnerTerritory-class", "Violation",
     "cg:partnerTerritory doit désigner", "cg:partnerTerritory must point"),
    ("partnership-status-wrong-scheme",
     f'partnership:c-status a cg:Partnership ; skos:prefLabel "A"@fr ; '
     f"cg:partnershipStatus pkind:framework-agreement ; dcterms:source {SRC} .",
     "partnership:c-status", "partnership-status", "Violation",
     "schéma partnership-status", "partnership-status scheme"),
    ("partnership-two-kinds",
     f'partnership:c-kinds a cg:Partnership ; skos:prefLabel "A"@fr ; '
     f"cg:partnershipKind pkind:framework-agreement , pkind:decentralised-cooperation ; "
     f"dcterms:source {SRC} .",
     "partnership:c-kinds", "partnership-kind", "Violation",
     "schéma partnership-kind", "partnership-kind scheme"),
    ("programme-nobody",
     f'project:c-programme a cg:Programme ; skos:prefLabel "A"@fr ; dcterms:source {SRC} .',
     "project:c-programme", "ProgrammeShape", "Warning",
     "qui le porte", "who runs it"),
    ("funding-no-funder",
     "funding:c-no-funder a cg:Funding ; cg:fundedProject project:projet-eau-test .",
     "funding:c-no-funder", "funding-funder", "Violation",
     "exactement un financeur", "exactly one funder"),
    ("funding-two-funders",
     "funding:c-two-funders a cg:Funding ; schema:funder actor:agence-test , "
     "actor:ministere-test ; cg:fundedProject project:projet-eau-test .",
     "funding:c-two-funders", "funding-funder", "Violation",
     "exactement un financeur", "exactly one funder"),
    ("funding-funder-territory",
     "funding:c-funder-territory a cg:Funding ; schema:funder territory:testville ; "
     "cg:fundedProject project:projet-eau-test .",
     "funding:c-funder-territory", "funding-funder-class", "Violation",
     "schema:funder doit désigner", "schema:funder must point"),
    ("funding-no-project",
     "funding:c-no-project a cg:Funding ; schema:funder actor:agence-test .",
     "funding:c-no-project", "funding-project", "Violation",
     "au moins un projet", "at least one project"),
    ("funding-project-event",
     "funding:c-project-event a cg:Funding ; schema:funder actor:agence-test ; "
     "cg:fundedProject event:forum-test .",
     "funding:c-project-event", "funding-project-class", "Violation",
     "cg:fundedProject doit désigner", "cg:fundedProject must point"),
    ("funding-recipient-territory",
     "funding:c-recipient a cg:Funding ; schema:funder actor:agence-test ; "
     "cg:fundedProject project:projet-eau-test ; cg:recipient territory:testville .",
     "funding:c-recipient", "funding-recipient-class", "Violation",
     "cg:recipient doit désigner", "cg:recipient must point"),
    ("funding-amount-untyped",
     "funding:c-amount a cg:Funding ; schema:funder actor:agence-test ; "
     "cg:fundedProject project:projet-eau-test ; schema:amount 1000 .",
     "funding:c-amount", "funding-amount", "Violation",
     "schema:MonetaryAmount", "schema:MonetaryAmount"),
    ("funding-status-wrong",
     "funding:c-status a cg:Funding ; schema:funder actor:agence-test ; "
     "cg:fundedProject project:projet-eau-test ; cg:fundingStatus pstatus:contacts .",
     "funding:c-status", "funding-status", "Violation",
     "schéma funding-status", "funding-status scheme"),
    ("amount-no-value",
     'funding:c-amount-1 a schema:MonetaryAmount ; schema:currency "EUR" .',
     "funding:c-amount-1", "amount-value", "Violation",
     "exactement une valeur", "exactly one value"),
    ("amount-text",
     'funding:c-amount-2 a schema:MonetaryAmount ; schema:value "beaucoup" ; '
     'schema:currency "EUR" .',
     "funding:c-amount-2", "amount-value-number", "Violation",
     "est un nombre", "is a number"),
    ("amount-zero",
     'funding:c-amount-3 a schema:MonetaryAmount ; schema:value 0.0 ; schema:currency "EUR" .',
     "funding:c-amount-3", "amount-value-positive", "Violation",
     "strictement positif", "strictly positive"),
    ("amount-negative",
     'funding:c-amount-4 a schema:MonetaryAmount ; schema:value -5 ; schema:currency "EUR" .',
     "funding:c-amount-4", "amount-value-positive", "Violation",
     "strictement positif", "strictly positive"),
    ("amount-currency-name",
     'funding:c-amount-5 a schema:MonetaryAmount ; schema:value 5.0 ; schema:currency "euros" .',
     "funding:c-amount-5", "amount-currency", "Violation",
     "ISO 4217", "ISO 4217"),
    ("amount-no-currency",
     "funding:c-amount-6 a schema:MonetaryAmount ; schema:value 5.0 .",
     "funding:c-amount-6", "amount-currency", "Violation",
     "exactement une devise", "exactly one currency"),
    # --- events -------------------------------------------------------------------------------
    ("event-kind-wrong",
     f'event:c-kind a cg:Event ; skos:prefLabel "A"@fr ; cg:eventKind theme:culture ; '
     f"dcterms:source {SRC} .",
     "event:c-kind", "event-kind", "Violation",
     "schéma event-kind", "event-kind scheme"),
    ("event-kind-missing",
     f'event:c-no-kind a cg:Event ; skos:prefLabel "A"@fr ; dcterms:source {SRC} .',
     "event:c-no-kind", "event-kind-required", "Warning",
     "de quel genre", "what kind of event"),
    ("event-organizer-territory",
     f'event:c-organizer a cg:Event ; skos:prefLabel "A"@fr ; schema:organizer '
     f"territory:testville ; dcterms:source {SRC} .",
     "event:c-organizer", "event-organizer-class", "Violation",
     "schema:organizer doit désigner", "schema:organizer must point"),
    ("event-super-project",
     f'event:c-super a cg:Event ; skos:prefLabel "A"@fr ; schema:superEvent '
     f"project:projet-eau-test ; dcterms:source {SRC} .",
     "event:c-super", "event-superEvent-class", "Violation",
     "schema:superEvent doit désigner", "schema:superEvent must point"),
    ("event-sub-project",
     f'event:c-sub a cg:Event ; skos:prefLabel "A"@fr ; schema:subEvent '
     f"project:projet-eau-test ; dcterms:source {SRC} .",
     "event:c-sub", "event-subEvent-class", "Violation",
     "schema:subEvent doit désigner", "schema:subEvent must point"),
    ("event-outcome-source-document",
     f'event:c-outcome a cg:Event ; skos:prefLabel "A"@fr ; cg:outcome {SRC} ; '
     f"dcterms:source {SRC} .",
     "event:c-outcome", "event-outcome-class", "Violation",
     "cg:outcome doit désigner", "cg:outcome must point"),
    # --- participations -----------------------------------------------------------------------
    ("participation-no-agent",
     "participation:c-no-agent a cg:Participation ; cg:role role:speaker ; "
     "cg:participationIn project:projet-eau-test .",
     "participation:c-no-agent", "participation-agent", "Violation",
     "exactement un participant", "exactly one participant"),
    ("participation-two-agents",
     "participation:c-two-agents a cg:Participation ; cg:role role:speaker ; "
     "cg:agent actor:reseau-test , actor:agence-test ; "
     "cg:participationIn project:projet-eau-test .",
     "participation:c-two-agents", "participation-agent", "Violation",
     "exactement un participant", "exactly one participant"),
    ("participation-agent-territory",
     "participation:c-agent-territory a cg:Participation ; cg:role role:speaker ; "
     "cg:agent territory:testville ; cg:participationIn project:projet-eau-test .",
     "participation:c-agent-territory", "participation-agent-class", "Violation",
     "cg:agent doit désigner", "cg:agent must point"),
    ("participation-no-role",
     "participation:c-no-role a cg:Participation ; cg:agent actor:reseau-test ; "
     "cg:participationIn project:projet-eau-test .",
     "participation:c-no-role", "participation-role", "Violation",
     "au moins un rôle", "at least one role"),
    ("participation-orphan",
     "participation:c-orphan a cg:Participation ; cg:agent actor:reseau-test ; "
     "cg:role role:speaker .",
     "participation:c-orphan", "participation-in", "Violation",
     "exactement un projet ou événement", "exactly one project or event"),
    ("participation-in-actor",
     "participation:c-in-actor a cg:Participation ; cg:agent actor:reseau-test ; "
     "cg:role role:speaker ; cg:participationIn actor:agence-test .",
     "participation:c-in-actor", "participation-in-class", "Violation",
     "cg:participationIn doit désigner", "cg:participationIn must point"),
    ("participation-one-way",
     "participation:c-one-way a cg:Participation ; cg:agent actor:reseau-test ; "
     "cg:role role:speaker ; cg:participationIn event:forum-test .",
     "participation:c-one-way", "participation-inverse", "Warning",
     "cg:hasParticipation et cg:participationIn", "cg:hasParticipation and cg:participationIn"),
    ("participation-presented-event",
     "participation:c-presented a cg:Participation ; cg:agent actor:reseau-test ; "
     "cg:role role:speaker ; cg:presented event:forum-test .",
     "participation:c-presented", "participation-presented-class", "Violation",
     "cg:presented doit désigner", "cg:presented must point"),
    ("participation-contribution-english",
     "participation:c-contribution a cg:Participation ; cg:agent actor:reseau-test ; "
     'cg:role role:speaker ; cg:contribution "leads"@en .',
     "participation:c-contribution", "participation-contribution", "Warning",
     "texte court en français", "short text in French"),
    # --- memberships --------------------------------------------------------------------------
    ("membership-no-member",
     "membership:c-no-member a cg:Membership ; org:organization actor:reseau-test ; "
     "org:role role:member .",
     "membership:c-no-member", "membership-member", "Violation",
     "exactement un membre", "exactly one member"),
    ("membership-member-territory",
     "membership:c-member-territory a cg:Membership ; org:member territory:testville ; "
     "org:organization actor:reseau-test ; org:role role:member .",
     "membership:c-member-territory", "membership-member-class", "Violation",
     "org:member doit désigner", "org:member must point"),
    ("membership-no-organisation",
     "membership:c-no-org a cg:Membership ; org:member actor:agence-test ; "
     "org:role role:member .",
     "membership:c-no-org", "membership-organization", "Violation",
     "exactement une organisation", "exactly one organisation"),
    ("membership-of-person",
     "membership:c-of-person a org:Membership ; org:member actor:agence-test ; "
     "org:organization person:jeanne-test ; org:role role:member .",
     "membership:c-of-person", "membership-organization-class", "Violation",
     "org:organization doit désigner", "org:organization must point"),
    ("membership-no-role",
     "membership:c-no-role a cg:Membership ; org:member actor:agence-test ; "
     "org:organization actor:reseau-test .",
     "membership:c-no-role", "membership-role-required", "Warning",
     "devrait indiquer un rôle", "should state a role"),
    # --- awards -------------------------------------------------------------------------------
    ("award-nobody",
     'award:c-nobody a cg:Award ; skos:prefLabel "A"@fr .',
     "award:c-nobody", "award-to", "Violation",
     "au moins un acteur", "at least one actor"),
    ("award-to-territory",
     'award:c-to-territory a cg:Award ; skos:prefLabel "A"@fr ; cg:awardedTo territory:testville .',
     "award:c-to-territory", "award-to-class", "Violation",
     "cg:awardedTo doit désigner", "cg:awardedTo must point"),
    ("award-no-giver",
     'award:c-no-giver a cg:Award ; skos:prefLabel "A"@fr ; cg:awardedTo actor:agence-test .',
     "award:c-no-giver", "award-by-required", "Warning",
     "qui la décerne", "who gives it"),
    ("award-by-territory",
     'award:c-by-territory a cg:Award ; skos:prefLabel "A"@fr ; cg:awardedBy territory:testville .',
     "award:c-by-territory", "award-by-class", "Violation",
     "cg:awardedBy doit désigner", "cg:awardedBy must point"),
    ("award-no-date",
     'award:c-no-date a cg:Award ; skos:prefLabel "A"@fr .',
     "award:c-no-date", "award-date-required", "Warning",
     "devrait avoir une date", "should have a date"),
    ("award-for-plain",
     'award:c-for a cg:Award ; skos:prefLabel "A"@fr ; cg:awardedFor "its work" .',
     "award:c-for", "award-for", "Warning",
     "cg:awardedFor est un texte en français", "cg:awardedFor is a text in French"),
    # --- figures ------------------------------------------------------------------------------
    ("figure-no-value",
     'figure:c-no-value a cg:Figure ; schema:unitText "agents"@fr .',
     "figure:c-no-value", "FigureShape", "Violation",
     "une valeur (schema:value) ou des bornes", "a value (schema:value) or bounds"),
    ("figure-two-values",
     "figure:c-two-values a cg:Figure ; schema:value 150 , 200 .",
     "figure:c-two-values", "figure-value-max", "Violation",
     "au plus une valeur", "at most one value"),
    ("figure-value-text",
     'figure:c-value-text a cg:Figure ; schema:value "douze" .',
     "figure:c-value-text", "figure-value-number", "Violation",
     "d'un chiffre est un nombre", "of a figure is a number"),
    ("figure-min-text",
     'figure:c-min-text a cg:Figure ; schema:minValue "cent" .',
     "figure:c-min-text", "figure-min-number", "Violation",
     "schema:minValue : au plus un nombre", "schema:minValue: at most one number"),
    ("figure-max-text",
     'figure:c-max-text a cg:Figure ; schema:maxValue "deux cents" .',
     "figure:c-max-text", "figure-max-number", "Violation",
     "schema:maxValue : au plus un nombre", "schema:maxValue: at most one number"),
    ("figure-range-reversed",
     "figure:c-range a cg:Figure ; schema:minValue 200 ; schema:maxValue 150 .",
     "figure:c-range", "figure-range-order", "Violation",
     "ne dépasse pas schema:maxValue", "does not exceed schema:maxValue"),
    ("figure-unit-english",
     'figure:c-unit a cg:Figure ; schema:value 3 ; schema:unitText "staff"@en .',
     "figure:c-unit", "figure-unit", "Warning",
     "une seule unité, en français", "a single unit, in French"),
    ("figure-measures-wrong-scheme",
     "figure:c-measures a cg:Figure ; schema:value 3 ; cg:measures theme:culture .",
     "figure:c-measures", "figure-measures", "Violation",
     "schéma figure-kind", "figure-kind scheme"),
    ("figure-measures-missing",
     "figure:c-no-measures a cg:Figure ; schema:value 3 .",
     "figure:c-no-measures", "figure-measures-required", "Warning",
     "ce qu'il mesure", "what it measures"),
    ("figure-approximate-text",
     'figure:c-approx a cg:Figure ; schema:value 3 ; cg:approximate "environ" .',
     "figure:c-approx", "figure-approximate", "Violation",
     "cg:approximate : au plus une valeur xsd:boolean", "cg:approximate: at most one xsd:boolean"),
    ("figure-qualifier-plain",
     'figure:c-qualifier a cg:Figure ; schema:value 3 ; cg:qualifier "more than" .',
     "figure:c-qualifier", "figure-qualifier", "Warning",
     "tournure verbatim en français", "verbatim French hedge"),
    ("figure-unattached",
     "figure:c-unattached a cg:Figure ; schema:value 3 .",
     "figure:c-unattached", "figure-attached", "Warning",
     "rattaché à ce qu'il décrit", "attached to what it describes"),
    # --- documents ----------------------------------------------------------------------------
    ("document-title-plain",
     'doc:c-title a cg:Document ; skos:prefLabel "A"@fr ; dcterms:title "A" .',
     "doc:c-title", "document-title", "Warning",
     "dcterms:title devrait", "dcterms:title should"),
    ("document-publisher-territory",
     'doc:c-publisher a cg:Document ; skos:prefLabel "A"@fr ; '
     "dcterms:publisher territory:testville .",
     "doc:c-publisher", "document-publisher-class", "Violation",
     "dcterms:publisher doit désigner", "dcterms:publisher must point"),
    ("document-creator-literal",
     'doc:c-creator a cg:Document ; skos:prefLabel "A"@fr ; dcterms:creator "Jeanne" .',
     "doc:c-creator", "document-creator-class", "Violation",
     "dcterms:creator doit désigner", "dcterms:creator must point"),
    ("document-language-name",
     'doc:c-language a cg:Document ; skos:prefLabel "A"@fr ; dcterms:language "French" .',
     "doc:c-language", "document-language", "Warning",
     "code de langue en minuscules", "lowercase language code"),
    ("document-place-actor",
     'doc:c-place a cg:Document ; skos:prefLabel "A"@fr ; cg:place actor:reseau-test .',
     "doc:c-place", "document-place-class", "Violation",
     "cg:place doit désigner", "cg:place must point"),
    ("source-document-bad-iri",
     'doc:c-seed a cg:SourceDocument ; skos:prefLabel "A"@fr ; '
     'dcterms:identifier "999_0123456789abcdef.txt" .',
     "doc:c-seed", "SourceDocumentShape", "Violation",
     "doc:{numéro}_{empreinte}", "doc:{number}_{hash}"),
    ("source-document-no-identifier",
     'doc:998_0123456789abcdef a cg:SourceDocument ; skos:prefLabel "A"@fr .',
     "doc:998_0123456789abcdef", "sourceDocument-identifier", "Violation",
     "exactement un dcterms:identifier", "exactly one dcterms:identifier"),
    ("source-document-bad-identifier",
     'doc:997_0123456789abcdef a cg:SourceDocument ; skos:prefLabel "A"@fr ; '
     'dcterms:identifier "document 997" .',
     "doc:997_0123456789abcdef", "sourceDocument-identifier", "Violation",
     "son nom de fichier", "its file name"),
    ("outcome-not-adopted",
     f'doc:c-outcome-1 a cg:OutcomeDocument ; skos:prefLabel "A"@fr ; dcterms:source {SRC} .',
     "doc:c-outcome-1", "outcome-adoptedAt", "Violation",
     "exactement un événement", "exactly one event"),
    ("outcome-adopted-at-project",
     f'doc:c-outcome-2 a cg:OutcomeDocument ; skos:prefLabel "A"@fr ; '
     f"cg:adoptedAt project:projet-eau-test ; dcterms:source {SRC} .",
     "doc:c-outcome-2", "outcome-adoptedAt-class", "Violation",
     "cg:adoptedAt doit désigner", "cg:adoptedAt must point"),
    ("outcome-one-way",
     f'doc:c-outcome-3 a cg:OutcomeDocument ; skos:prefLabel "A"@fr ; '
     f"cg:adoptedAt event:forum-test ; dcterms:source {SRC} .",
     "doc:c-outcome-3", "outcome-inverse", "Warning",
     "cg:outcome et cg:adoptedAt", "cg:outcome and cg:adoptedAt"),
    ("outcome-no-source",
     'doc:c-outcome-4 a cg:OutcomeDocument ; skos:prefLabel "A"@fr ; '
     "cg:adoptedAt event:forum-test .",
     "doc:c-outcome-4", "source-required", "Violation",
     "au moins un document source", "at least one source document"),
    # --- evidence -----------------------------------------------------------------------------
    ("evidence-no-document",
     'evidence:c-1 a cg:Evidence ; cg:excerpt "A"@fr . award:label-test cg:evidence evidence:c-1 .',
     "evidence:c-1", "evidence-entity", "Violation",
     "exactement un document", "exactly one document"),
    ("evidence-two-documents",
     f'evidence:c-2 a cg:Evidence ; prov:entity {SRC} , doc:declaration-de-testville ; '
     'cg:excerpt "A"@fr . award:label-test cg:evidence evidence:c-2 .',
     "evidence:c-2", "evidence-entity", "Violation",
     "exactement un document", "exactly one document"),
    ("evidence-cites-actor",
     'evidence:c-3 a cg:Evidence ; prov:entity actor:reseau-test ; cg:excerpt "A"@fr . '
     "award:label-test cg:evidence evidence:c-3 .",
     "evidence:c-3", "evidence-entity-document", "Violation",
     "désigner un document", "point to a document"),
    ("evidence-no-excerpt",
     f"evidence:c-4 a cg:Evidence ; prov:entity {SRC} . "
     "award:label-test cg:evidence evidence:c-4 .",
     "evidence:c-4", "evidence-excerpt", "Violation",
     "exactement un extrait non vide", "exactly one non-empty excerpt"),
    ("evidence-empty-excerpt",
     f'evidence:c-5 a cg:Evidence ; prov:entity {SRC} ; cg:excerpt ""@fr . '
     "award:label-test cg:evidence evidence:c-5 .",
     "evidence:c-5", "evidence-excerpt", "Violation",
     "exactement un extrait non vide", "exactly one non-empty excerpt"),
    ("evidence-unused",
     f'evidence:c-6 a cg:Evidence ; prov:entity {SRC} ; cg:excerpt "A"@fr .',
     "evidence:c-6", "evidence-cited", "Warning",
     "au moins un fait", "at least one fact"),
    ("evidence-seed-excerpt-plain",
     f'evidence:c-7 a cg:Evidence ; prov:entity {SRC} ; cg:excerpt "A" . '
     "award:label-test cg:evidence evidence:c-7 .",
     "evidence:c-7", "SeedExcerptLanguageShape", "Warning",
     "citation en français", "French quotation"),
    ("evidence-seed-excerpt-long",
     f'evidence:c-8 a cg:Evidence ; prov:entity {SRC} ; cg:excerpt "{"mot " * 160}"@fr . '
     "award:label-test cg:evidence evidence:c-8 .",
     "evidence:c-8", "SeedExcerptLengthShape", "Warning",
     "600 caractères au plus", "600 characters at most"),
    # --- concepts -----------------------------------------------------------------------------
    ("concept-no-label",
     "<https://w3id.org/coopgraph/id/concept/theme/c-1> a skos:Concept ; "
     "skos:inScheme <https://w3id.org/coopgraph/id/concept/theme> .",
     "theme:c-1", "prefLabel-fr", "Violation",
     "exactement un libellé en français", "exactly one French label"),
    ("concept-no-scheme",
     '<https://w3id.org/coopgraph/id/concept/theme/c-2> a skos:Concept ; skos:prefLabel "A"@fr .',
     "theme:c-2", "concept-inScheme", "Violation",
     "exactement un schéma", "exactly one scheme"),
    ("concept-scheme-undeclared",
     '<https://w3id.org/coopgraph/id/concept/theme/c-3> a skos:Concept ; skos:prefLabel "A"@fr ;'
     " skos:inScheme territory:testland .",
     "theme:c-3", "concept-inScheme-class", "Violation",
     "skos:inScheme doit désigner", "skos:inScheme must point"),
    # --- forbidden statements ----------------------------------------------------------------
    ("involves-asserted",
     "project:c-involves cg:involves actor:reseau-test .",
     "project:c-involves", "involves-not-asserted", "Violation",
     "cg:involves est inféré", "cg:involves is inferred"),
    ("same-as",
     "actor:c-same-as owl:sameAs <http://www.wikidata.org/entity/Q90> .",
     "actor:c-same-as", "sameAs-not-used", "Violation",
     "Pas d'owl:sameAs", "No owl:sameAs"),
    # --- dates -----------------------------------------------------------------------------
    ("date-start-string",
     'membership:c-date-1 schema:startDate "juillet 1999" .',
     "membership:c-date-1", "startDate-type", "Violation",
     "schema:startDate est une date valide", "schema:startDate is a valid date"),
    ("date-start-invalid-month",
     'membership:c-date-2 schema:startDate "1998-13"^^xsd:gYearMonth .',
     "membership:c-date-2", "startDate-type", "Violation",
     "schema:startDate est une date valide", "schema:startDate is a valid date"),
    ("date-start-invalid-day",
     'membership:c-date-3 schema:startDate "2017-02-30"^^xsd:date .',
     "membership:c-date-3", "startDate-type", "Violation",
     "schema:startDate est une date valide", "schema:startDate is a valid date"),
    ("date-end-integer",
     'membership:c-date-4 schema:endDate "2010"^^xsd:integer .',
     "membership:c-date-4", "endDate-type", "Violation",
     "schema:endDate est une date valide", "schema:endDate is a valid date"),
    ("date-founding-string",
     'actor:reseau-test-2 cg:foundingDate "2004" .',
     "actor:reseau-test-2", "foundingDate-type", "Violation",
     "cg:foundingDate : au plus une date valide", "cg:foundingDate: at most one valid date"),
    ("date-award-string",
     'award:c-date cg:awardDate "mars 2019"@fr .',
     "award:c-date", "awardDate-type", "Violation",
     "cg:awardDate : au plus une date valide", "cg:awardDate: at most one valid date"),
    ("date-reference-two",
     'figure:c-date cg:referenceDate "2007"^^xsd:gYear , "2008"^^xsd:gYear .',
     "figure:c-date", "referenceDate-type", "Violation",
     "cg:referenceDate : au plus une date valide", "cg:referenceDate: at most one valid date"),
    ("date-dcterms-string",
     'doc:c-date dcterms:date "31 mars 2008" .',
     "doc:c-date", "date-type", "Violation",
     "dcterms:date : au plus une date valide", "dcterms:date: at most one valid date"),
    ("date-two-starts",
     'membership:c-date-5 schema:startDate "2001"^^xsd:gYear , "2002"^^xsd:gYear .',
     "membership:c-date-5", "startDate-max", "Violation",
     "Au plus une date de début", "At most one start date"),
    ("date-two-ends",
     'membership:c-date-6 schema:endDate "2001"^^xsd:gYear , "2002"^^xsd:gYear .',
     "membership:c-date-6", "endDate-max", "Violation",
     "Au plus une date de fin", "At most one end date"),
    ("date-order-days",
     'membership:c-order-1 schema:startDate "2012-05-02"^^xsd:date ; '
     'schema:endDate "2012-05-01"^^xsd:date .',
     "membership:c-order-1", "DateOrderShape", "Violation",
     "précède la date de début", "is before the start date"),
    ("date-order-month-vs-day",
     'membership:c-order-2 schema:startDate "2012-05"^^xsd:gYearMonth ; '
     'schema:endDate "2012-04-30"^^xsd:date .',
     "membership:c-order-2", "DateOrderShape", "Violation",
     "précède la date de début", "is before the start date"),
    ("date-order-year-vs-month",
     'membership:c-order-3 schema:startDate "2013"^^xsd:gYear ; '
     'schema:endDate "2012-12"^^xsd:gYearMonth .',
     "membership:c-order-3", "DateOrderShape", "Violation",
     "précède la date de début", "is before the start date"),
    ("date-order-datetime-vs-date",
     'membership:c-order-4 schema:startDate "2017-10-10T09:00:00"^^xsd:dateTime ; '
     'schema:endDate "2017-10-09"^^xsd:date .',
     "membership:c-order-4", "DateOrderShape", "Violation",
     "précède la date de début", "is before the start date"),
    # --- external identifiers -----------------------------------------------------------------
    ("exactmatch-wikidata-page",
     f'actor:c-wd-page a cg:PublicBody ; skos:prefLabel "A"@fr ; dcterms:source {SRC} ; '
     "skos:exactMatch <https://www.wikidata.org/wiki/Q90> .",
     "actor:c-wd-page", "exactMatch-pattern", "Violation",
     "IRI Wikidata", "a Wikidata"),
    ("exactmatch-geonames-no-slash",
     f'territory:c-gn a cg:Territory ; skos:prefLabel "A"@fr ; dcterms:source {SRC} ; '
     "cg:administrativeLevel level:country ; skos:exactMatch <https://sws.geonames.org/2988507> .",
     "territory:c-gn", "exactMatch-pattern", "Violation",
     "GeoNames", "GeoNames"),
    ("exactmatch-literal",
     f'actor:c-wd-literal a cg:PublicBody ; skos:prefLabel "A"@fr ; dcterms:source {SRC} ; '
     'skos:exactMatch "Q90" .',
     "actor:c-wd-literal", "exactMatch-pattern", "Violation",
     "IRI Wikidata", "a Wikidata"),
    ("exactmatch-ror-bad",
     f'actor:c-ror a cg:ResearchInstitution ; skos:prefLabel "A"@fr ; dcterms:source {SRC} ; '
     "skos:exactMatch <https://ror.org/12345> .",
     "actor:c-ror", "exactMatch-pattern", "Violation",
     "ROR", "ROR"),
    ("exactmatch-two-wikidata",
     f'actor:c-wd-two a cg:PublicBody ; skos:prefLabel "A"@fr ; dcterms:source {SRC} ; '
     "skos:exactMatch <http://www.wikidata.org/entity/Q90> , "
     "<http://www.wikidata.org/entity/Q142> .",
     "actor:c-wd-two", "exactMatch-one-wikidata", "Violation",
     "Au plus un élément Wikidata", "At most one Wikidata item"),
    ("exactmatch-two-geonames",
     f'territory:c-gn-two a cg:Territory ; skos:prefLabel "A"@fr ; dcterms:source {SRC} ; '
     "cg:administrativeLevel level:country ; skos:exactMatch <https://sws.geonames.org/1/> , "
     "<https://sws.geonames.org/2/> .",
     "territory:c-gn-two", "exactMatch-one-geonames", "Violation",
     "Au plus une entrée GeoNames", "At most one GeoNames entry"),
    ("exactmatch-on-a-territory",
     f'territory:c-exact a cg:Territory ; skos:prefLabel "A"@fr ; dcterms:source {SRC} ; '
     "cg:administrativeLevel level:country ; "
     "skos:exactMatch <http://www.wikidata.org/entity/Q90> .",
     "territory:c-exact", "ExactMatchConceptShape", "Violation",
     "skos:exactMatch relie des concepts", "use schema:sameAs"),
    ("sameas-wikidata-page",
     f'actor:c-sameas-page a cg:PublicBody ; skos:prefLabel "A"@fr ; dcterms:source {SRC} ; '
     "schema:sameAs <https://www.wikidata.org/wiki/Q90> .",
     "actor:c-sameas-page", "exactMatch-pattern", "Violation",
     "IRI Wikidata", "a Wikidata"),
    ("english-label-missing",
     f'actor:c-no-en a cg:PublicBody ; skos:prefLabel "Seulement en français"@fr ; '
     f"dcterms:source {SRC} .",
     "actor:c-no-en", "prefLabel-en", "Violation",
     "libellé @en", "exactly one @en label"),
    ("english-label-missing-on-a-participation",
     'participation:c-no-en a cg:Participation ; skos:prefLabel "Participation"@fr .',
     "participation:c-no-en", "prefLabel-en", "Violation",
     "libellé @en", "exactly one @en label"),
    ("url-relative",
     f'actor:c-url a cg:PublicBody ; skos:prefLabel "A"@fr ; dcterms:source {SRC} ; '
     'schema:url "platforma-dev.eu"^^xsd:anyURI .',
     "actor:c-url", "url-absolute", "Violation",
     "URL absolue", "absolute URL"),
    ("homepage-literal",
     f'actor:c-homepage a cg:PublicBody ; skos:prefLabel "A"@fr ; dcterms:source {SRC} ; '
     'foaf:homepage "www.example.org" .',
     "actor:c-homepage", "homepage", "Violation",
     "foaf:homepage est une IRI", "foaf:homepage is an http(s) IRI"),
    ("insee-short-commune",
     'territory:c-insee-1 igeo:codeINSEE "9300"^^cg:CodeCommune .',
     "territory:c-insee-1", "insee-code", "Violation",
     "igeo:codeINSEE est typé", "igeo:codeINSEE is typed"),
    ("insee-untyped",
     'territory:c-insee-2 igeo:codeINSEE "93008" .',
     "territory:c-insee-2", "insee-code", "Violation",
     "igeo:codeINSEE est typé", "igeo:codeINSEE is typed"),
    ("insee-department-as-region",
     'territory:c-insee-3 igeo:codeINSEE "2A"^^cg:CodeRegion .',
     "territory:c-insee-3", "insee-code", "Violation",
     "igeo:codeINSEE est typé", "igeo:codeINSEE is typed"),
    ("insee-two-communes",
     'territory:c-insee-4 igeo:codeINSEE "93008"^^cg:CodeCommune , "93066"^^cg:CodeCommune .',
     "territory:c-insee-4", "insee-CodeCommune-max", "Violation",
     "Au plus un code INSEE de commune", "At most one INSEE commune code"),
    ("insee-two-departments",
     'territory:c-insee-5 igeo:codeINSEE "93"^^cg:CodeDepartement , "94"^^cg:CodeDepartement .',
     "territory:c-insee-5", "insee-CodeDepartement-max", "Violation",
     "Au plus un code INSEE de département", "At most one INSEE department code"),
    ("insee-two-regions",
     'territory:c-insee-6 igeo:codeINSEE "11"^^cg:CodeRegion , "32"^^cg:CodeRegion .',
     "territory:c-insee-6", "insee-CodeRegion-max", "Violation",
     "Au plus un code INSEE de région", "At most one INSEE region code"),
    ("iso-alpha2-lowercase",
     'territory:c-iso-1 cg:iso3166Alpha2 "fr" .',
     "territory:c-iso-1", "iso-alpha2", "Violation",
     "deux lettres majuscules", "two-letter uppercase"),
    ("iso-alpha3-two-letters",
     'territory:c-iso-2 cg:iso3166Alpha3 "FR" .',
     "territory:c-iso-2", "iso-alpha3", "Violation",
     "trois lettres majuscules", "three-letter uppercase"),
    ("iso-subdivision-no-dash",
     'territory:c-iso-3 cg:iso3166Subdivision "FR93" .',
     "territory:c-iso-3", "iso-subdivision", "Violation",
     "ISO 3166-2", "ISO 3166-2"),
    ("nuts-lowercase",
     'territory:c-nuts cg:nutsCode "fr106" .',
     "territory:c-nuts", "nuts-code", "Violation",
     "code NUTS", "NUTS code"),
    ("archives-letters",
     'actor:c-archives cg:archivesNationalesId "FRAN-12" .',
     "actor:c-archives", "archives-id", "Violation",
     "identifiant numérique", "numeric identifier"),
    ("latitude-out-of-range",
     "territory:c-geo-1 wgs:lat 95.0 ; wgs:long 2.0 .",
     "territory:c-geo-1", "lat", "Violation",
     "entre -90 et 90", "between -90 and 90"),
    ("longitude-missing",
     "territory:c-geo-2 wgs:lat 45.0 .",
     "territory:c-geo-2", "long", "Violation",
     "entre -180 et 180", "between -180 and 180"),
    ("longitude-string",
     'territory:c-geo-3 wgs:lat 45.0 ; wgs:long "2.0" .',
     "territory:c-geo-3", "long", "Violation",
     "longitude xsd:decimal", "xsd:decimal longitude"),
    ("geometry-plain-wkt",
     'territory:c-geo-4 geo:hasGeometry territory:c-geo-4-point . '
     'territory:c-geo-4-point geo:asWKT "POINT(2.0 45.0)" .',
     "territory:c-geo-4-point", "geometry-wkt", "Violation",
     "geo:asWKT", "geo:asWKT"),
]

# Snippets that must NOT produce a result of the given shape on the given focus node: the
# rules that are easy to get too strict.
NEGATIVE: list[tuple[str, str, str, str]] = [
    ("paris-commune-and-department",
     'territory:n-paris igeo:codeINSEE "75056"^^cg:CodeCommune , "75"^^cg:CodeDepartement .',
     "territory:n-paris", "insee-CodeCommune-max"),
    ("corsica-department",
     'territory:n-corse igeo:codeINSEE "2A"^^cg:CodeDepartement .',
     "territory:n-corse", "insee-code"),
    ("same-year-different-precision",
     'membership:n-order-1 schema:startDate "1998-02"^^xsd:gYearMonth ; '
     'schema:endDate "1998"^^xsd:gYear .',
     "membership:n-order-1", "DateOrderShape"),
    ("same-day-datetime",
     'membership:n-order-2 schema:startDate "2017-10-09T14:00:00"^^xsd:dateTime ; '
     'schema:endDate "2017-10-09"^^xsd:date .',
     "membership:n-order-2", "DateOrderShape"),
    ("continent-without-country",
     f'territory:n-continent a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel level:territory ; dcterms:source {SRC} .",
     "territory:n-continent", "TerritoryCountryShape"),
    ("country-without-country",
     f'territory:n-country a cg:Territory ; skos:prefLabel "A"@fr ; '
     f"cg:administrativeLevel level:country ; dcterms:source {SRC} .",
     "territory:n-country", "TerritoryCountryShape"),
    ("evidence-of-reference-table",
     'doc:n-table a cg:Document ; skos:prefLabel "Table"@fr . '
     'evidence:n-table a cg:Evidence ; prov:entity doc:n-table ; cg:excerpt "https://x (Q90)" . '
     "award:label-test cg:evidence evidence:n-table .",
     "evidence:n-table", "SeedExcerptLanguageShape"),
    ("service-of-a-service",
     f'actor:n-sub-service a cg:LocalGovernmentService ; skos:prefLabel "A"@fr ; '
     f"org:unitOf actor:service-test ; dcterms:source {SRC} .",
     "actor:n-sub-service", "service-unitOf-localGovernment"),
    ("working-group-of-a-commission",
     f'actor:n-working-group a cg:NetworkBody ; skos:prefLabel "A"@fr ; '
     f"org:unitOf actor:reseau-test-commission ; dcterms:source {SRC} .",
     "actor:n-working-group", "networkBody-unitOf-network"),
    ("exactmatch-on-a-concept",
     "level:country skos:exactMatch <http://www.wikidata.org/entity/Q6256> .",
     "level:country", "ExactMatchConceptShape"),
    ("url-absolute",
     f'actor:n-url a cg:PublicBody ; skos:prefLabel "A"@fr , "A"@en ; dcterms:source {SRC} ; '
     'schema:url "http://platforma-dev.eu/fr/connect"^^xsd:anyURI .',
     "actor:n-url", "url-absolute"),
    ("english-label-present",
     f'actor:n-en a cg:PublicBody ; skos:prefLabel "Ville"@fr , "Town"@en ; dcterms:source {SRC} .',
     "actor:n-en", "prefLabel-en"),
    ("integer-amount",
     'funding:n-amount a schema:MonetaryAmount ; schema:value 1500000 ; schema:currency "EUR" .',
     "funding:n-amount", "amount-value-number"),
]


def _validate(snippets: list[str]) -> Report:
    text = _prefixes() + VALID.read_text() + "\n" + "\n".join(snippets) + "\n"
    graph = Graph()
    for s, p, o, _g in parse_bytes(text.encode(), "text/turtle", "cases").quads():
        graph.add((s, p, o))
    return validate_graph(graph, lang="en")


@pytest.fixture(scope="module")
def cases_report() -> Report:
    return _validate([c[1] for c in CASES] + [n[1] for n in NEGATIVE])


def test_valid_fixture_conforms_without_any_result() -> None:
    report = _validate([])
    assert report.results == [], report.to_text()
    assert report.conforms


def test_case_ids_and_focus_nodes_are_unique() -> None:
    ids = [c[0] for c in CASES] + [n[0] for n in NEGATIVE]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    "ttl,focus,shape,severity,fr,en", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_broken_example_is_rejected(
    cases_report: Report, ttl: str, focus: str, shape: str, severity: str, fr: str, en: str
) -> None:
    focus_iri = URIRef(expand(focus))
    found = [r for r in cases_report.results
             if r.focus_node == focus_iri and r.source_shape == URIRef(CGSH + shape)]
    others = [(str(r.source_shape), r.message) for r in cases_report.results
              if r.focus_node == focus_iri]
    assert found, f"no result of cgsh:{shape} on {focus}; got {others}"
    result = found[0]
    assert result.severity == severity
    assert fr in result.messages["fr"], result.messages
    assert en in result.messages["en"], result.messages
    assert result.message == result.messages["en"]


@pytest.mark.parametrize(
    "ttl,focus,shape", [n[1:] for n in NEGATIVE], ids=[n[0] for n in NEGATIVE]
)
def test_valid_edge_case_is_accepted(
    cases_report: Report, ttl: str, focus: str, shape: str
) -> None:
    focus_iri = URIRef(expand(focus))
    wrong = [r.message for r in cases_report.results
             if r.focus_node == focus_iri and r.source_shape == URIRef(CGSH + shape)]
    assert not wrong


def _constraint_shapes(shapes: Graph) -> set[URIRef]:
    """Named shapes that carry a message, i.e. report results under their own name."""
    return {s for s in shapes.subjects(SH.message, None) if isinstance(s, URIRef)}


def test_every_shape_with_a_rule_has_a_broken_example() -> None:
    shapes = load_shapes()
    covered = {URIRef(CGSH + c[3]) for c in CASES}
    missing = sorted(str(s) for s in _constraint_shapes(shapes) - covered)
    assert not missing, f"shapes without a test case: {missing}"


def test_every_constraint_has_one_french_and_one_english_message() -> None:
    shapes = load_shapes()
    parameters = {SH["class"], SH.datatype, SH.minCount, SH.maxCount, SH.pattern, SH["or"],
                  SH["and"], SH["node"], SH.uniqueLang, SH.languageIn, SH.equals,
                  SH.lessThanOrEquals, SH.minExclusive, SH.minInclusive, SH.maxInclusive,
                  SH.minLength, SH.maxLength, SH.nodeKind, SH.qualifiedValueShape, SH.select}
    nested = set(shapes.objects(None, SH["or"])) | set(shapes.objects(None, SH["and"]))
    in_lists: set = set()
    for head in nested:
        node = head
        while node is not None and node != RDF.nil:
            in_lists.add(shapes.value(node, RDF.first))
            node = shapes.value(node, RDF.rest)
    value_shapes = in_lists | set(shapes.objects(None, SH.qualifiedValueShape)) | set(
        o for o in shapes.objects(None, SH["node"]))
    for shape in list(value_shapes):  # property shapes nested in value shapes
        value_shapes |= set(shapes.objects(shape, SH.property))
    checked = 0
    for subject in set(shapes.subjects()):
        if subject in value_shapes or (subject, RDF.first, None) in shapes:
            continue
        if not any((subject, p, None) in shapes for p in parameters):
            continue
        messages = [m for m in shapes.objects(subject, SH.message) if isinstance(m, Literal)]
        langs = sorted(m.language or "" for m in messages)
        assert langs == ["en", "fr"], f"{subject}: messages in {langs}"
        assert (subject, SH.severity, None) in shapes, f"{subject} has no sh:severity"
        checked += 1
    assert checked >= 150


def test_curated_graph_has_no_violation() -> None:
    """Every data/**/*.ttl with the ontology: fails until the data is complete (expected)."""
    files = sorted(glob.glob(str(PROJECT_ROOT / "data" / "**" / "*.ttl"), recursive=True))
    assert files
    report = validate_graph(read_graph(files), lang="en")
    assert report.violations == [], report.to_text()


def test_every_cg_term_of_the_shapes_is_declared_in_the_ontology() -> None:
    """A misspelt property in a shape would silently check nothing."""
    cg = "https://w3id.org/coopgraph/ontology#"
    declared = {s for s in load_ontology().subjects() if isinstance(s, URIRef)}
    used = {t for triple in load_shapes() for t in triple
            if isinstance(t, URIRef) and str(t).startswith(cg)}
    assert used, "the shapes use no cg: term?"
    assert sorted(str(t) for t in used - declared) == []


def _guide_classes() -> list[str]:
    """The classes of docs/modelling.md § Classes, plus the two the guide uses from outside."""
    guide = (PROJECT_ROOT / "docs" / "modelling.md").read_text(encoding="utf-8")
    section = guide.split("## Classes", 1)[1].split("\n## ", 1)[0]
    names = re.findall(r"^\| `cg:([A-Za-z]+)`", section, flags=re.MULTILINE)
    return ["https://w3id.org/coopgraph/ontology#" + n for n in names] + [
        "http://schema.org/MonetaryAmount", "http://www.w3.org/2004/02/skos/core#Concept"]


def test_every_class_of_the_guide_is_checked_by_some_shape() -> None:
    """A bare instance (a type and nothing else) of each class is rejected by some shape."""
    classes = _guide_classes()
    assert len(classes) >= 30
    graph = read_graph([VALID])
    instances = {URIRef(f"{ID}bare/{i}"): URIRef(c) for i, c in enumerate(classes)}
    for node, cls in instances.items():
        graph.add((node, RDF.type, cls))
    report = validate_graph(graph)
    rejected = {r.focus_node for r in report.violations}
    unchecked = sorted(str(cls) for node, cls in instances.items() if node not in rejected)
    assert unchecked == []
