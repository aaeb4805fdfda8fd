"""The W3C SPARQL 1.1 test suite, run against live endpoints over HTTP (see report.py)."""
