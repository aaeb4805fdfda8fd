"""The documentation of the command line is generated from the parser and kept current."""

from __future__ import annotations

import os

from coopgraph.cli import parser, reference_markdown
from coopgraph.config import PROJECT_ROOT

CLI_DOC = PROJECT_ROOT / "docs" / "cli.md"


def test_docs_cli_md_matches_the_parser() -> None:
    expected = reference_markdown()
    if os.environ.get("COOPGRAPH_REGENERATE_DOCS"):
        CLI_DOC.write_text(expected, encoding="utf-8")
    assert CLI_DOC.read_text(encoding="utf-8") == expected, (
        "docs/cli.md is stale: run COOPGRAPH_REGENERATE_DOCS=1 pytest tests/test_cli_docs.py"
    )


def test_the_readme_names_every_subcommand() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    subparsers = next(a for a in parser()._actions if a.dest == "command")
    for name in subparsers.choices:
        assert f"coopgraph {name}" in readme, name
