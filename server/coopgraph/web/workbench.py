"""``/query``: the query workbench (YASQE editor, the worked examples, result views).

The page is rendered here with the examples of ``queries/`` in the page's language and our
prefixes; everything else (running the query on ``/sparql``, labels, views) happens in
``static/workbench.js`` against this server only.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from ..config import CANONICAL_BASE
from ..examples import load_examples
from ..namespaces import PREFIXES
from .i18n import pick

bp = Blueprint("workbench", __name__)


def prefixes(base: str) -> dict[str, str]:
    """Our prefixes, with the deployment's base in place of the canonical one."""
    return {p: ns.replace(CANONICAL_BASE, base, 1) for p, ns in PREFIXES.items()}


def examples_for_page() -> list[dict[str, str]]:
    """Each example's name, title, description (page language) and text."""
    return [
        {"name": e.name, "title": pick(e.title, e.name), "description": pick(e.description),
         "text": e.text}
        for e in load_examples()
    ]


@bp.route("/query", methods=["GET"])
def query() -> str:
    """The workbench page (``?query=`` opens with that query and runs it)."""
    base = current_app.config["BASE"]
    return render_template("query.html", examples=examples_for_page(),
                           prefixes=prefixes(base), base=base)
