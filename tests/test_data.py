"""The curated data keeps to its sources: every excerpt is a quotation, every entity is sourced.

These checks read ``data/`` and ``data/sources/`` directly, so they run without a build.
"""

from __future__ import annotations

import re
from functools import cache

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

from coopgraph.config import CANONICAL_BASE, PROJECT_ROOT
from coopgraph.namespaces import CG

SEEDS = PROJECT_ROOT / "data" / "sources"
DATA = PROJECT_ROOT / "data"
ID = CANONICAL_BASE + "id/"
DOC = ID + "document/"

#: Classes of the fact-nodes that must carry a verbatim excerpt (cg:evidence).
FACT_CLASSES = [
    CG.Partnership, CG.Membership, CG.Participation, CG.Funding, CG.Award, CG.Figure,
    CG.Position, CG.Project, CG.Event,
]


def normalise(text: str) -> str:
    """Whitespace-insensitive form used to compare excerpts with the documents."""
    return re.sub(r"\s+", " ", text).strip()


@cache
def curated() -> Graph:
    graph = Graph()
    for path in sorted(DATA.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@cache
def seed_texts() -> dict[str, str]:
    return {p.stem: normalise(p.read_text(encoding="utf-8")) for p in SEEDS.glob("0*.txt")}




def evidence_nodes():  # type: ignore[no-untyped-def]
    g = curated()
    return [(s, ev) for s, ev in g.subject_objects(CG.evidence)]


def test_every_excerpt_is_a_verbatim_quotation_of_its_document() -> None:
    g = curated()
    texts = seed_texts()
    wrong = []
    checked = 0
    for subject, ev in evidence_nodes():
        doc = g.value(ev, PROV.entity)
        excerpt = g.value(ev, CG.excerpt)
        assert doc is not None and excerpt is not None, f"evidence of {subject} is incomplete"
        name = str(doc).removeprefix(DOC)
        if name not in texts:
            continue  # evidence from the reference table lives in data/links/
        checked += 1
        if normalise(str(excerpt)) not in texts[name]:
            wrong.append(f"{subject}: «{excerpt}» not in {name}")
    assert checked > 0
    assert not wrong, "\n".join(wrong)


def test_every_typed_entity_names_its_source_document() -> None:
    g = curated()
    unsourced = []
    for entity in set(g.subjects(RDF.type, None)):
        if not isinstance(entity, URIRef) or not str(entity).startswith(ID):
            continue
        if str(entity).startswith(DOC):
            continue
        if (entity, RDF.type, CG.Evidence) in g:
            continue  # an evidence node names its document with prov:entity (checked above)
        if g.value(entity, DCTERMS.source) is None:
            unsourced.append(str(entity))
    assert not unsourced, "no dcterms:source:\n" + "\n".join(sorted(unsourced))


def test_every_fact_node_carries_evidence() -> None:
    g = curated()
    missing = []
    for cls in FACT_CLASSES:
        for node in g.subjects(RDF.type, cls):
            if g.value(node, CG.evidence) is None:
                missing.append(f"{node} ({cls.fragment})")
    assert not missing, "no cg:evidence:\n" + "\n".join(sorted(missing))


def test_sources_are_the_five_documents() -> None:
    g = curated()
    docs = {str(d).removeprefix(DOC) for d in g.objects(None, DCTERMS.source)}
    assert docs == {
        "000_25256157c08295eb", "001_ff42703b1a6f963e", "002_a0cfcb4bfec34250",
        "003_e34cc2c5ed33aa18", "004_abf953efa9d95f58",
    }


def test_no_dangling_references_to_our_entities() -> None:
    """Every IRI under <base>id/ used as an object is described somewhere in the data."""
    g = curated()
    described = {s for s in g.subjects() if isinstance(s, URIRef)}
    dangling = sorted(
        {str(o) for o in g.objects() if isinstance(o, URIRef) and str(o).startswith(ID)
         and o not in described and "/concept/" not in str(o)}
    )
    assert not dangling, "referenced but never described:\n" + "\n".join(dangling)


def test_sources_misspellings_are_kept_as_alternative_labels() -> None:
    g = curated()
    alt = {str(label) for label in g.objects(None, URIRef("http://www.w3.org/2004/02/skos/core#altLabel"))}
    for spelling in ("Bislky", "Setu Mare", "Djenine", "Djenin", "Resssources"):
        assert any(spelling in a for a in alt), spelling
