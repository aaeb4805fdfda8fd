"""The coopgraph benchmark: a synthetic data generator, the queries, and the runner.

* :mod:`bench.generate` writes realistic, deterministic cooperation data in our ontology at
  any size (10k … 10M triples), streaming, into ``<base>graph/data``;
* :mod:`bench.queries` holds the example queries of ``queries/`` (adapted to the synthetic
  anchor actors) and heavier analyst queries;
* :mod:`bench.run` loads the same data into ``coopgraph serve``, ``oxigraph serve`` and
  rdflib-endpoint and measures them side by side (``make bench``).

See docs/benchmarks.md for the command and the measured tables.
"""
