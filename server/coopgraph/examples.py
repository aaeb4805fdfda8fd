"""The worked example queries in ``queries/``: their text and their bilingual header.

Each ``.rq`` file opens with comment lines ``# title@fr: …``, ``# title@en: …``,
``# description@fr: …``, ``# description@en: …`` (a description may continue on the next
``#   `` lines). The same metadata serves the tests, the CLI and, later, the web workbench
and the service description (as sh:SPARQLExecutable resources).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .config import Sources

HEADER = re.compile(r"^#\s*(title|description)@(fr|en):\s*(.*)$")
CONTINUATION = re.compile(r"^#\s{2,}(\S.*)$")


@dataclass
class Example:
    """One example query."""

    name: str
    path: Path
    text: str
    title: dict[str, str] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)


def parse_example(path: Path) -> Example:
    """Read one ``.rq`` file and its header."""
    text = path.read_text(encoding="utf-8")
    example = Example(name=path.stem, path=path, text=text)
    last: tuple[str, str] | None = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if match := HEADER.match(line):
            key, lang, value = match.groups()
            getattr(example, key)[lang] = value.strip()
            last = (key, lang)
        elif (match := CONTINUATION.match(line)) and last:
            key, lang = last
            getattr(example, key)[lang] += " " + match.group(1).strip()
        else:
            last = None
    return example


def load_examples(folder: Path | None = None) -> list[Example]:
    """All example queries, sorted by file name."""
    folder = folder or Sources().queries
    return [parse_example(p) for p in sorted(folder.glob("*.rq"))]
