"""Property shapes checked once over all their focus nodes instead of once per focus node.

Why: pyshacl checks a node shape's ``sh:property`` shapes by validating each property shape
once per focus node (a fresh evaluation, its constraints rebuilt, every time), but a shape
with its own targets once over all its focus nodes. On a generated contribution of 10k
triples the first way cost twice the time of the second for the same results.

Why the results are the same: a result of a property shape P names P (``sh:sourceShape``),
the focus node, P's path, the value and P's message, never the node shape N that holds P;
and the focus nodes of P reached through N are exactly N's targets. So replacing
``N sh:property P`` by N's targets on P (``P sh:targetClass C`` for ``N sh:targetClass C``,
and so on) yields the same results, when:

- N is used only through its targets: nothing points at it with ``sh:node``, ``sh:not``,
  ``sh:qualifiedValueShape`` or a member of ``sh:and``/``sh:or``/``sh:xone``, where N's
  conformance as a whole counts (those N keep their property shapes);
- N is not deactivated, has no SHACL-AF ``sh:target``, and is not also a class (an implicit
  class target stays with N);
- a focus node reached by P through two node shapes was reported twice, now once: the
  contributions' report keeps one result per (resource, path, value) anyway.

Used by the contribution shapes (:mod:`coopgraph.contextual`); the curated build validates
with the shapes as written.
"""

from __future__ import annotations

from rdflib import Graph
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

#: The core SHACL targets a node shape can hand over to its property shapes.
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def shapes_used_whole(shapes: Graph) -> set[Node]:
    """Shapes whose conformance as a whole is asked (``sh:node``, ``sh:or`` members…)."""
    used: set[Node] = set()
    for p in (SH.node, SH["not"], SH.qualifiedValueShape):
        used.update(shapes.objects(None, p))
    for p in (SH["and"], SH["or"], SH.xone):
        for members in shapes.objects(None, p):
            used.update(Collection(shapes, members))
    return used


def _movable(node: Node, shapes: Graph, used: set[Node]) -> bool:
    if node in used or (node, SH.target, None) in shapes:
        return False
    if any((node, RDF.type, cls) in shapes for cls in (RDFS.Class, OWL.Class)):
        return False
    return not any(str(v).lower() == "true" for v in shapes.objects(node, SH.deactivated))


def flatten_property_shapes(shapes: Graph) -> Graph:
    """A copy of ``shapes`` where every movable node shape's property shapes carry its
    targets instead of hanging from it (see the module docstring)."""
    out = Graph()
    for triple in shapes:
        out.add(triple)
    used = shapes_used_whole(shapes)
    for node in sorted(set(shapes.subjects(SH.property, None)), key=str):
        targets = [(p, o) for p in TARGETS for o in shapes.objects(node, p)]
        if not targets or not _movable(node, shapes, used):
            continue
        for prop in list(shapes.objects(node, SH.property)):
            for p, o in targets:
                out.add((prop, p, o))
            out.remove((node, SH.property, prop))
    return out


def top_level_shapes(shapes: Graph) -> list[Node]:
    """The shapes that have targets: what pyshacl validates first (sorted, to be stable)."""
    return sorted({s for p in TARGETS + (SH.target,) for s in shapes.subjects(p, None)},
                  key=str)
