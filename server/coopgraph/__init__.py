"""coopgraph: a SPARQL knowledge graph of the international action of local governments."""

__version__ = "0.1.0"
