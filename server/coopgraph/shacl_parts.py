"""pyshacl over parts of the shapes in forked processes: a large validation on every core.

Why it gives the same results: SHACL results are the union, over the shapes that have
targets, of each shape's results on its own focus nodes; a shape's results depend on the
data and on the shapes it uses (``sh:node``, ``sh:or``…), never on the validation of another
top-level shape, and targets only choose the focus nodes of a top-level shape (a shape
validated through ``sh:node`` ignores them). So the top-level shapes are split into parts;
part *k* is validated with a copy of the shapes graph from which the targets of every
top-level shape of the other parts are removed (everything else kept, so each shape still
finds the shapes it uses), and the union of the parts' results is the whole's.

Why fork: every process needs the data, an rdflib graph of about 400 MB for 100k triples;
a forked child shares it with the parent (copy on write) instead of parsing it again. The
parent validates the first part itself, each child one other part, and sends back its
results (pickled :class:`~coopgraph.validate.Result` objects) through a pipe. A child that
fails is not trusted: its part is validated again in the parent.

pyshacl's own ``use_shapes`` is not used: it drops the named shapes a listed shape uses
(``sh:node cgsh:DateLiteral``) unless they are listed too, and then validates them twice.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
from collections.abc import Iterable, Sequence

from rdflib import Graph
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from .shape_targets import TARGETS, top_level_shapes
from .validate import Result, read_results, run_shacl

log = logging.getLogger(__name__)

#: Shape-valued parameters (a nested evaluation per value node when validated).
_NESTING = (SH.node, SH["not"], SH.qualifiedValueShape, SH.property)
_LISTS = (SH["and"], SH["or"], SH.xone)


def part_shapes(shapes: Graph, keep: Iterable[Node]) -> Graph:
    """A copy of ``shapes`` in which only the top-level shapes ``keep`` have targets."""
    kept = set(keep)
    out = Graph()
    for s, p, o in shapes:
        if p in TARGETS or p == SH.target:
            if s not in kept:
                continue
        out.add((s, p, o))
    return out


def _nested_count(shapes: Graph, shape: Node, depth: int = 0) -> int:
    """How many shape evaluations one value of ``shape`` costs (roughly; capped)."""
    if depth > 4:
        return 1
    total = 1
    for p in _NESTING:
        for inner in shapes.objects(shape, p):
            total += _nested_count(shapes, inner, depth + 1)
    for p in _LISTS:
        for members in shapes.objects(shape, p):
            for inner in Collection(shapes, members):
                total += _nested_count(shapes, inner, depth + 1)
    return total


def _focus_estimate(shapes: Graph, shape: Node, data: Graph) -> int:
    """About how many focus nodes ``shape`` has in ``data`` (only used to balance parts)."""
    n = 0
    for cls in shapes.objects(shape, SH.targetClass):
        classes, todo = {cls}, [cls]
        while todo:
            for sub in data.subjects(RDFS.subClassOf, todo.pop()):
                if sub not in classes:
                    classes.add(sub)
                    todo.append(sub)
        n += sum(1 for c in classes for _ in data.subjects(RDF.type, c))
    for p in (SH.targetSubjectsOf, SH.targetObjectsOf):
        for prop in shapes.objects(shape, p):
            n += sum(1 for _ in data.triples((None, prop, None)))
    n += sum(1 for _ in shapes.objects(shape, SH.targetNode))
    return n


def split(shapes: Graph, data: Graph, parts: int) -> list[list[Node]]:
    """The top-level shapes in ``parts`` groups of about the same estimated cost (largest
    first, each to the lightest group), none empty."""
    costs = {s: _focus_estimate(shapes, s, data) * _nested_count(shapes, s)
             for s in top_level_shapes(shapes)}
    groups: list[list[Node]] = [[] for _ in range(parts)]
    loads = [0] * parts
    for shape in sorted(costs, key=lambda s: (-costs[s], str(s))):
        lightest = loads.index(min(loads))
        groups[lightest].append(shape)
        loads[lightest] += costs[shape] + 1
    return [g for g in groups if g]


def _validate_part(data: Graph, shapes: Graph, keep: Sequence[Node], data_view: Graph,
                   lang: str) -> list[Result]:
    part = part_shapes(shapes, keep)
    return read_results(run_shacl(data, part), data_view, shapes, lang)


def _fork_part(data: Graph, shapes: Graph, keep: Sequence[Node], data_view: Graph,
               lang: str) -> tuple[int, int]:
    """Start a child validating ``keep``; (its pid, the pipe its pickled results come on)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: validate, write, and leave without running the parent's code
        status = 0
        try:
            os.close(read_end)
            payload = pickle.dumps(_validate_part(data, shapes, keep, data_view, lang),
                                   protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
        except BaseException:  # noqa: BLE001 - reported by the exit status, redone by the parent
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, read_end: int) -> list[Result] | None:
    """The child's results, or None if it failed (then its part is validated again)."""
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    if status != 0 or not payload:
        log.warning("a validation process failed (status %s); validating its part here", status)
        return None
    results: list[Result] = pickle.loads(payload)
    return results


def validate_in_parts(data: Graph, shapes: Graph, data_view: Graph, lang: str,
                      processes: int) -> list[Result]:
    """pyshacl's results on ``data`` (which holds the ontology), read as
    :func:`~coopgraph.validate.read_results` does, unsorted; ``processes`` at most."""
    groups = split(shapes, data, processes) if processes > 1 and hasattr(os, "fork") else []
    if len(groups) < 2:
        return read_results(run_shacl(data, shapes), data_view, shapes, lang)
    children: list[tuple[list[Node], int, int]] = []
    try:
        for group in groups[1:]:
            children.append((group, *_fork_part(data, shapes, group, data_view, lang)))
        results = _validate_part(data, shapes, groups[0], data_view, lang)
    except BaseException:
        for _group, pid, read_end in children:  # nobody will read them: stop them
            os.kill(pid, signal.SIGKILL)
            os.close(read_end)
            os.waitpid(pid, 0)
        raise
    for group, pid, read_end in children:
        found = _collect(pid, read_end)
        results += found if found is not None else _validate_part(
            data, shapes, group, data_view, lang)
    return results
