"""Ingestion: validated, atomic, inferred, registered, withdrawn, carried over by the build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from contrib_support import BASE, curated_store

from coopgraph import contributions as contrib
from coopgraph.contextual import parse_contribution_file
from coopgraph.store import open_store

FIXTURES = Path(__file__).parent / "fixtures" / "contrib"
FIXED = FIXTURES / "montreuil-mopti-fixed.ttl"
BROKEN = FIXTURES / "montreuil-mopti.ttl"
SOURCE = "https://example.org/montreuil/rapport-cooperation-2012"
CURATED = [f"{BASE}graph/{k}" for k in ("ontology", "shapes", "data", "links", "inferred")]


def ingest(store, path: Path = FIXED, **kwargs):
    return contrib.ingest(store, parse_contribution_file(path), path.read_bytes(),
                          contributor=kwargs.pop("contributor", "Ville de Montreuil"),
                          source=kwargs.pop("source", SOURCE), media_type="text/turtle",
                          base=BASE, **kwargs)


def ask(store, query: str) -> bool:
    return bool(store.engine.query(query, use_default_graph_as_union=True))


@pytest.fixture
def store():
    s = curated_store()
    yield s
    s.close()


def test_a_conforming_file_lands_in_its_own_graph_with_inferences_and_a_registry_entry(store):
    before = {g: store.count(g) for g in CURATED}
    entry = ingest(store, note="premier essai")
    assert entry.graph == f"{BASE}graph/contribution/{entry.id}"
    assert store.count(entry.graph) == entry.triples > 30
    assert ask(store, f"""ASK {{ GRAPH <{entry.graph}/inferred> {{
        <{BASE}id/actor/ville-de-montreuil> a <{BASE}ontology#Actor> }} }}""")
    listed = contrib.list_entries(store, BASE)
    assert [e.id for e in listed] == [entry.id]
    e = listed[0]
    assert (e.contributor, e.source, e.note) == ("Ville de Montreuil", SOURCE, "premier essai")
    assert e.checksum == contrib.checksum(FIXED.read_bytes())
    assert e.report["conforms"] is True
    assert ask(store, f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        ASK {{ GRAPH <{BASE}graph/contributions> {{ <{entry.graph}> a prov:Entity ;
        prov:wasAttributedTo [ a prov:Agent ] ; prov:generatedAtTime ?d ;
        prov:hadPrimarySource <{SOURCE}> }} }}""")
    assert {g: store.count(g) for g in CURATED} == before


def test_a_file_that_does_not_conform_is_refused_and_nothing_is_stored(store):
    before = store.count()
    with pytest.raises(contrib.ContributionError) as exc:
        ingest(store, BROKEN)
    assert exc.value.status == 422 and len(exc.value.report.violations) == 3
    assert store.count() == before


def test_the_same_file_twice_is_detected_by_checksum(store):
    first = ingest(store)
    with pytest.raises(contrib.ContributionError) as exc:
        ingest(store, contributor="Quelqu'un d'autre")
    assert exc.value.status == 409 and exc.value.existing == first.id


def test_withdraw_removes_the_contribution_and_its_inferences_only(store, tmp_path):
    first = ingest(store)
    other = tmp_path / "other.ttl"
    other.write_text(FIXED.read_text().replace("partnership:montreuil-mopti",
                                               "partnership:montreuil-mopti-bis"))
    second = ingest(store, other)
    before = {g: store.count(g) for g in CURATED}
    assert contrib.withdraw(store, first.id, BASE)
    assert not store.has_graph(first.graph) and not store.has_graph(first.graph + "/inferred")
    assert [e.id for e in contrib.list_entries(store, BASE)] == [second.id]
    assert store.count(second.graph) == second.triples
    assert {g: store.count(g) for g in CURATED} == before
    assert not ask(store, f"ASK {{ GRAPH <{BASE}graph/contributions> {{ ?s ?p ?o "
                          f"FILTER(STRSTARTS(STR(?s), '{first.graph}')) }} }}")
    assert contrib.withdraw(store, first.id, BASE) is False


def test_contributions_survive_a_real_build(tmp_path):
    from coopgraph.build import build

    link = tmp_path / "store"
    build(link, validate=False, base=BASE, progress=lambda _: None)
    with open_store(link) as s:
        entry = ingest(s)
        inferred = s.count(entry.graph + "/inferred")
    second = build(link, validate=False, base=BASE, progress=lambda _: None)
    assert link.resolve() == second.store_dir.resolve()
    with open_store(link) as s:
        assert s.count(entry.graph) == entry.triples
        assert s.count(entry.graph + "/inferred") == inferred
        assert [e.id for e in contrib.list_entries(s, BASE)] == [entry.id]
        assert s.count(f"{BASE}graph/data") > 1000


CHILD = textwrap.dedent("""
    import sys
    from coopgraph import contributions as contrib
    from coopgraph.store import open_store
    store_dir, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = open_store(store_dir)
    entry = contrib.Entry(
        id="20260101T000000-killtest", graph=contrib.graph_of("20260101T000000-killtest", base),
        contributor="kill test", date="2026-01-01T00:00:00Z", source="https://example.org/k",
        note=None, checksum="sha256:kill", triples=n, inferred=0, media_type="text/turtle",
        name="big.ttl", report={"conforms": True, "results": []})
    data = "".join(f'<{base}id/territory/t{i}> '
                   f'<http://www.w3.org/2004/02/skos/core#prefLabel> "T {i}"@fr .\\n'
                   for i in range(n)).encode()
    registry = contrib._registry_graph(entry, '{"conforms": true, "results": []}')
    print("committing", n + len(registry), flush=True)
    prepared = contrib.Prepared(entry, {entry.graph: data},
                                {contrib.registry_iri(base): contrib._ntriples(registry)})
    contrib.commit(store, prepared, base)
    print("done", flush=True)
    store.close()
""")


def test_an_ingestion_killed_mid_load_leaves_all_or_nothing(tmp_path):
    """A real process killed (SIGKILL) at several moments of the commit of 300k quads."""
    n = 300_000
    outcomes = []
    for attempt, delay in enumerate((0.0, 0.05, 0.3, 1.0, 3.0)):
        store_dir = tmp_path / f"store-{attempt}"
        curated_store(str(store_dir)).close()
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(store_dir), BASE, str(n)],
                                stdout=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        assert line.startswith("committing"), line
        expected = int(line.split()[1])
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        with open_store(store_dir) as s:  # opens cleanly after the kill
            entries = contrib.list_entries(s, BASE)
            stored = sum(s.count(g) for g in s.named_graphs()
                         if g.startswith(f"{BASE}graph/contribution"))
            if entries:
                assert stored + s.count(f"{BASE}graph/contributions") == expected
                outcomes.append("all")
            else:
                assert stored == 0 and s.count(f"{BASE}graph/contributions") == 0
                outcomes.append("nothing")
            assert s.count(f"{BASE}graph/data") > 1000
    assert "nothing" in outcomes  # at least one kill landed before the commit ended


def test_concurrent_contributions_do_not_interfere(store, tmp_path):
    import threading

    files = []
    for i in range(3):
        f = tmp_path / f"c{i}.ttl"
        f.write_text(FIXED.read_text().replace("partnership:montreuil-mopti",
                                               f"partnership:montreuil-mopti-{i}"))
        files.append(f)
    files.append(files[0])  # the same file twice: exactly one of the two is taken
    results: list[object] = []

    def run(path: Path) -> None:
        try:
            results.append(ingest(store, path))
        except contrib.ContributionError as exc:
            results.append(exc.status)

    threads = [threading.Thread(target=run, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    entries = [r for r in results if isinstance(r, contrib.Entry)]
    assert len(entries) == 3 and results.count(409) == 1
    for e in entries:
        assert store.count(e.graph) == e.triples
    assert len(contrib.list_entries(store, BASE)) == 3
    assert ox  # the store module is pyoxigraph's


def test_the_contribute_command(tmp_path):
    """`coopgraph contribute`: 0 and the new id; the same file again: 1 and why; a broken file:
    1 and the report."""
    store_dir = tmp_path / "store"
    curated_store(str(store_dir)).close()
    cmd = [sys.executable, "-m", "coopgraph", "contribute", "--store", str(store_dir),
           "--contributor", "Ville de Montreuil", "--source", SOURCE, "--lang", "en"]
    first = subprocess.run([*cmd, str(FIXED)], capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    cid = first.stdout.split()[0]
    again = subprocess.run([*cmd, str(FIXED)], capture_output=True, text=True, timeout=600)
    assert again.returncode == 1 and f"already contributed as {cid}" in again.stderr
    broken = subprocess.run([*cmd, str(BROKEN)], capture_output=True, text=True, timeout=600)
    assert broken.returncode == 1 and "3 violation(s)" in broken.stdout
    uncheckable = tmp_path / "figure.ttl"  # pyshacl stops on it (tests/test_contextual.py)
    uncheckable.write_text("@prefix cg: <https://w3id.org/coopgraph/ontology#> .\n"
                           "@prefix schema: <http://schema.org/> .\n"
                           "<https://w3id.org/coopgraph/id/figure/x> a cg:Figure ;\n"
                           "  schema:minValue [] ; schema:maxValue 3 .\n")
    stopped = subprocess.run([*cmd, str(uncheckable)], capture_output=True, text=True,
                             timeout=600)
    assert stopped.returncode == 2 and "cannot be checked" in stopped.stderr
    assert "Traceback" not in stopped.stderr
    with open_store(store_dir) as s:
        assert [e.id for e in contrib.list_entries(s, BASE)] == [cid]


def _register(store, cid: str, date: str, *, checksum: bool = True) -> None:
    g = contrib.graph_of(cid, BASE)
    c, p, d, v = contrib.CGC, contrib.PROV, contrib.DCTERMS, contrib.VOID
    sha = f'<{c}sha256> "{cid}-sum" ;' if checksum else ""
    store.update(f"""INSERT DATA {{ GRAPH <{contrib.registry_iri(BASE)}> {{
      <{g}> a <{c}Contribution> ; <{d}identifier> "{cid}" ; <{p}wasAttributedTo> <{g}/who> ;
        <{p}generatedAtTime> "{date}"^^<http://www.w3.org/2001/XMLSchema#dateTime> ;
        <{p}hadPrimarySource> <{SOURCE}> ; {sha} <{v}triples> 3 ; <{c}inferredTriples> 1 ;
        <{c}mediaType> "text/turtle" ; <{c}fileName> "{cid}.ttl" ; <{c}report> "{{}}" .
      <{g}/who> <http://www.w3.org/2000/01/rdf-schema#label> "Contributor {cid}" }} }}""")


def test_the_registry_lists_newest_first_and_leaves_out_incomplete_entries():
    store = open_store(None)
    _register(store, "older", "2026-01-02T10:00:00Z")
    _register(store, "newer", "2026-03-01T09:00:00Z")
    _register(store, "broken", "2026-06-01T09:00:00Z", checksum=False)
    entries = contrib.list_entries(store, BASE)
    assert [e.id for e in entries] == ["newer", "older"]
    assert entries[0].contributor == "Contributor newer" and entries[0].checksum == "newer-sum"
    assert entries[0].triples == 3 and entries[0].note is None and entries[0].report == {}
    assert [e.id for e in contrib.list_entries(store, BASE, "older")] == ["older"]
    assert contrib.list_entries(store, BASE, "broken") == []
