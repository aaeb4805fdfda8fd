"""Measure W3C SPARQL 1.1 conformance of ``coopgraph serve`` and ``oxigraph serve`` side by side.

    .venv/bin/python -m tests.w3c.report                 # both, writes docs/conformance.md
    .venv/bin/python -m tests.w3c.report --update-baseline   # also rewrites baseline.json
    .venv/bin/python -m tests.w3c.report --only coopgraph --match syntax-query/test_42

Both servers are started here, each on fresh empty store directories and free ports of
127.0.0.1, and given the same tests in one run, so the two columns of the report are
comparable. The baseline file is the regression gate read by ``test_w3c_sparql11.py``:
rewrite it only from a run whose failures have been looked at.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from collections import Counter, defaultdict
from importlib.metadata import version
from pathlib import Path

from coopgraph import config

from .manifest import NOT_APPLICABLE, SUITE_DIR, W3CTest, load_all
from .protocol import requests_of
from .results import LEXICAL
from .runner import Outcome, applicable_tests, run_suite, servers, start_coopgraph, start_oxigraph

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline.json"
DOC = config.PROJECT_ROOT / "docs" / "conformance.md"
IMPLEMENTATIONS = {"coopgraph": start_coopgraph, "oxigraph": start_oxigraph}


def run_implementation(
    name: str, tests: list[W3CTest], workers: int
) -> tuple[list[Outcome], float]:
    """Start ``workers`` servers of one implementation, run ``tests``, stop them."""
    started = time.monotonic()
    with servers(IMPLEMENTATIONS[name], workers) as srv:
        outcomes = run_suite([s.endpoint for s in srv], tests)
    return outcomes, time.monotonic() - started


def per_manifest(outcomes: list[Outcome]) -> dict[str, dict[str, int]]:
    """``{manifest: {"passed", "failed", "run", "not_run"}}`` in manifest order."""
    table: dict[str, dict[str, int]] = {}
    for o in outcomes:
        row = table.setdefault(o.manifest, {"passed": 0, "failed": 0, "run": 0, "not_run": 0})
        if o.status == "not-run":
            row["not_run"] += 1
            continue
        row["run"] += 1
        row["passed" if o.status == "pass" else "failed"] += 1
    return table


def category(o: Outcome) -> str:
    """A coarse reason group for the failure list."""
    r = o.reason
    if o.kind == "protocol":
        return "SPARQL Protocol behaviour"
    if o.kind == "gsp":
        return "Graph Store Protocol behaviour"
    if o.kind == "service-description":
        return "Service description"
    if r.startswith("setup:"):
        return "Test setup refused by the endpoint (clear / Graph Store load)"
    if r.startswith("valid text rejected"):
        return "Valid syntax refused (4xx)"
    if r.startswith("invalid text not rejected"):
        return "Invalid syntax not refused with 400"
    if "HTTP 5" in r:
        return "Server error (HTTP 5xx) on a valid request"
    if r.startswith(LEXICAL):
        return "Right values, different literal spellings (RDF terms differ)"
    if "HTTP 4" in r:
        return "Valid request refused (4xx)"
    return "Wrong answer"


def rate(passed: int, run: int) -> str:
    """``passed/run (xx.x %)``."""
    return f"{passed}/{run} ({100 * passed / run:.1f} %)" if run else "—"


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    try:
        ox_cli = subprocess.run(
            [str(Path(sys.executable).parent / "oxigraph"), "--version"],
            capture_output=True, text=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        ox_cli = "unknown"
    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=config.PROJECT_ROOT, capture_output=True, text=True, timeout=10
            ).stdout.rstrip()
        except (OSError, subprocess.SubprocessError):
            return "unknown"

    dirty = git("status", "--porcelain", "--", "server").splitlines()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted changes under server/": ", ".join(line[3:] for line in dirty) or "none",
        "nproc": str(os.cpu_count()),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pyoxigraph": version("pyoxigraph"),
        "oxigraph CLI": ox_cli,
        "rdflib": version("rdflib"),
    }


def _approval_note(test: W3CTest | None) -> str:
    if test is None or test.approval == "Approved":
        return ""
    return f" *(approval: {test.approval or 'none'})*"


def write_doc(
    results: dict[str, tuple[list[Outcome], float]],
    tests: list[W3CTest],
    command: str,
    workers: int,
    path: Path = DOC,
    measured_on: dict[str, str] | None = None,
) -> None:
    """docs/conformance.md: rates side by side, not-run and N/A lists, failures grouped."""
    by_id = {t.short_id: t for t in tests}
    names = list(results)
    tables = {n: per_manifest(results[n][0]) for n in names}
    manifests = list(dict.fromkeys(t.manifest for t in tests))
    all_manifests = load_all()
    lines = [
        "# W3C SPARQL 1.1 conformance",
        "",
        "Measured by `tests/w3c/` — the official W3C SPARQL 1.1 test suite "
        f"(vendored in `{SUITE_DIR.relative_to(config.PROJECT_ROOT)}/`, origin and licence in "
        "its README) run "
        "against running servers **through the standard protocols only**: every test empties "
        "the store (`DROP ALL`), loads its data with the Graph Store HTTP Protocol "
        "(`PUT ?default`, `PUT ?graph=IRI`, N-Triples), sends its query or update over the "
        "SPARQL 1.1 Protocol, and judges the answer (results by RDF-term equality with blank "
        "nodes matched by isomorphism, order only under a top-level ORDER BY; graphs by "
        "isomorphism; updates by reading every graph back through the Graph Store Protocol).",
        "",
        "Both servers ran in the same run, on fresh empty stores:",
        "",
        "- **coopgraph**: `coopgraph serve --store EMPTY_DIR --no-union-default-graph "
        "--allow-curated-writes` with `COOPGRAPH_ADMIN_TOKEN` set (endpoints `/sparql`, "
        "`/update`, `/store`; writes carry `Authorization: Bearer`). "
        "`--allow-curated-writes` because the suite needs `DROP ALL` / `CLEAR ALL`.",
        "- **oxigraph**: `oxigraph serve --location EMPTY_DIR --bind 127.0.0.1:PORT` "
        "(endpoints `/query`, `/update`, `/store`).",
        "",
        "## Judging rules",
        "",
        "- Query and update texts are sent with `BASE <their file's W3C IRI>` prepended, and data "
        "files are sent as N-Triples with relative IRIs resolved against their W3C IRI "
        "(`http://www.w3.org/2009/sparql/docs/tests/data-sparql11/<folder>/<file>`), so every "
        "endpoint sees the IRIs the expected results were written with.",
        "- Syntax tests are executed on the endpoint. Positive: passes unless refused with a 4xx "
        "(a 5xx is an evaluation error after a successful parse). Negative: must get exactly "
        "400. Update syntax tests start from an empty store, so their outcome does not depend "
        "on the order tests run in.",
        "- Query results are requested in the expected file's format (`.srx` → XML, `.srj` → "
        "JSON, `.csv` → CSV, `.tsv` → TSV; `.ttl` result sets → JSON) and parsed by the "
        "runner's own parsers, not by the store's library.",
        "- Tests marked *(approval: Proposed)* or *(approval: none)* below are not (yet) "
        "approved by the W3C working group; they are run and counted like the others.",
        "",
        "## How it was measured",
        "",
        f"    {command}",
        "",
        f"{workers} server(s) per implementation, one test at a time per server (one thread "
        "each).",
        "",
        "| | |",
        "|---|---|",
    ]
    for k, v in (measured_on or machine()).items():
        lines.append(f"| {k} | {v} |")
    for n in names:
        lines.append(f"| time, {n} (start, run, stop) | {results[n][1]:.1f} s |")
    lines += [
        "",
        "In `make test`, `tests/w3c/test_w3c_sparql11.py` runs the same tests against both "
        "servers (started on free ports of 127.0.0.1 from empty temporary stores) and fails "
        "when a manifest's pass rate drops below `tests/w3c/baseline.json` or fewer tests run; "
        "each protocol test is its own case (known failures are xfails with their reason). "
        "Its run time is about the two times above plus a few seconds for the protocol cases. "
        "After a change of the endpoint, rerun the command above with `--update-baseline` and "
        "commit the two files it rewrites (this one and the baseline); `--match <folder/name>` "
        "reruns single tests.",
    ]
    lines += ["", "## Pass rate per manifest", ""]
    header = "| manifest | " + " | ".join(names) + " | not run |"
    lines += [header, "|---" * (len(names) + 2) + "|"]
    totals = {n: [0, 0] for n in names}
    for m in manifests:
        cells = []
        for n in names:
            row = tables[n].get(m, {"passed": 0, "run": 0, "not_run": 0})
            totals[n][0] += row["passed"]
            totals[n][1] += row["run"]
            cells.append(rate(row["passed"], row["run"]))
        not_run = tables[names[0]].get(m, {}).get("not_run", 0)
        lines.append(f"| {m} | " + " | ".join(cells) + f" | {not_run or ''} |")
    lines.append(
        "| **all applicable** | " + " | ".join(f"**{rate(*totals[n])}**" for n in names) + " | |"
    )
    approved = {t.short_id for t in tests if t.approval == "Approved"}
    cells = []
    for n in names:
        ran = [o for o in results[n][0] if o.test in approved and o.status != "not-run"]
        cells.append(rate(sum(o.status == "pass" for o in ran), len(ran)))
    lines.append("| W3C-approved tests only | " + " | ".join(cells) + " | |")
    lines += [
        "",
        "A test's verdict is strict RDF-term equality. Failures whose values are right but "
        "whose literals are spelled differently (`\"1\"` for `\"1.0\"^^xsd:decimal`, "
        "`\"30000\"` for `\"3.0E4\"^^xsd:double`, `\"false\"` for `\"0\"^^xsd:boolean`) are "
        "counted as failures and listed in their own group below: the store keeps numeric "
        "and boolean literals in a canonical form, so a query returns a different RDF term "
        "than the one loaded.",
        "",
        "## Not applicable (not run)",
        "",
        "| manifest | tests | reason |",
        "|---|---|---|",
    ]
    for m, reason in NOT_APPLICABLE.items():
        lines.append(f"| {m} | {len(all_manifests.get(m, []))} | {reason} |")
    not_run = [o for o in results[names[0]][0] if o.status == "not-run"]
    if not_run:
        lines += ["", "Single tests not run, in applicable manifests:", ""]
        for o in not_run:
            lines.append(f"- `{o.test}` — {o.reason}")
    lines += [
        "",
        "## Protocol tests implemented",
        "",
        "Every `mf:ProtocolTest` of `protocol/manifest.ttl` is replayed mechanically from its "
        "`ht:` record (method, path, headers, body; expected status class, result format and "
        "boolean). `/sparql/` maps to the query endpoint, or to the update endpoint when the "
        "request carries an update. Each is also an explicit pytest case "
        "(`test_protocol[...]`).",
        "",
        "The `graph-store-protocol/` records (`mf:GraphStoreProtocolTest`) are replayed the same "
        "way, `/gsp` mapped to the Graph Store URL (indirect identification); the tests that "
        "require direct identification (a graph named by its own URL) are not run. The three "
        "`service-description/` tests are prose; they are checked mechanically: a GET on the "
        "query endpoint answers RDF, holding `sd:endpoint <query URL>`, and every "
        "`sd:Service` has an `sd:endpoint` and `sd:supportedLanguage` values of the vocabulary.",
        "",
        "| test | what | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    outcome_of = {n: {o.test: o for o in results[n][0]} for n in names}
    for t in tests:
        if t.kind != "protocol":
            continue
        reqs = requests_of(t)
        what = f"{t.name} ({' then '.join(r.method for r in reqs)})"
        cells = []
        for n in names:
            o = outcome_of[n].get(t.short_id)
            cells.append("pass" if o and o.status == "pass" else "**fail**" if o else "—")
        lines.append(f"| `{t.short_id.split('/')[1]}` | {what} | " + " | ".join(cells) + " |")
    if len(names) == 2:
        a, b = names
        passed_b = {o.test for o in results[b][0] if o.status == "pass"}
        only_a = [o for o in results[a][0] if o.status == "fail" and o.test in passed_b]
        passed_a = {o.test for o in results[a][0] if o.status == "pass"}
        only_b = [o for o in results[b][0] if o.status == "fail" and o.test in passed_a]
        lines += [
            "",
            f"## Failures of {a} that {b} passes ({len(only_a)})",
            "",
            "Both evaluate SPARQL with the same engine (pyoxigraph / oxigraph "
            f"{version('pyoxigraph')}), so these differences come from the HTTP layer and its "
            "policies, not from query evaluation.",
            "",
        ]
        lines += [f"- `{o.test}`: {o.reason}" for o in only_a] or ["- none"]
        lines += ["", f"Conversely, {b} fails and {a} passes ({len(only_b)}):", ""]
        lines += [f"- `{o.test}`: {o.reason}" for o in only_b] or ["- none"]
    for n in names:
        failures = [o for o in results[n][0] if o.status == "fail"]
        lines += ["", f"## Failures of {n} ({len(failures)}), grouped", ""]
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in failures:
            groups[category(o)].append(o)
        for cat, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            lines += [f"### {cat} ({len(items)})", ""]
            for o in items:
                reason = o.reason.replace("|", "\\|").replace("\n", " ")
                lines.append(f"- `{o.test}`{_approval_note(by_id.get(o.test))}: {reason}")
            lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def baseline_of(results: dict[str, tuple[list[Outcome], float]]) -> dict:
    """The regression gate: per implementation and manifest, passed and run counts."""
    data: dict = {
        "comment": "Regression gate for tests/w3c/test_w3c_sparql11.py: per manifest, a run "
        "must pass at least this fraction and run at least this many tests. Rewrite with "
        "`python -m tests.w3c.report --update-baseline` after looking at docs/conformance.md.",
    }
    for name, (outcomes, _) in results.items():
        table = per_manifest([o for o in outcomes if o.kind != "protocol"])
        data[name] = {m: {"passed": r["passed"], "run": r["run"]} for m, r in table.items()}
        data[name + "_protocol_failures"] = {
            o.test.split("/", 1)[1]: o.reason
            for o in outcomes
            if o.kind == "protocol" and o.status == "fail"
        }
    return data


def main(argv: list[str] | None = None) -> int:
    """Run, print a summary, write the report (and the baseline when asked)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=sorted(IMPLEMENTATIONS), help="one implementation only")
    ap.add_argument("--workers", type=int, default=2, help="servers per implementation")
    ap.add_argument("--doc", type=Path, default=DOC, help="where to write the report")
    ap.add_argument("--no-doc", action="store_true", help="print the summary only")
    ap.add_argument("--update-baseline", action="store_true", help=f"rewrite {BASELINE.name}")
    ap.add_argument("--json", type=Path, help="also dump every outcome as JSON")
    ap.add_argument(
        "--match", help="only tests whose id (folder/name) contains this; prints, writes nothing"
    )
    args = ap.parse_args(argv)

    tests = applicable_tests()
    if args.match:
        tests = [t for t in tests if args.match in t.short_id]
        args.no_doc, args.update_baseline = True, False
    names = [args.only] if args.only else list(IMPLEMENTATIONS)
    measured_on = machine()  # before the servers start: the code they load is what is measured
    results = {n: run_implementation(n, tests, args.workers) for n in names}
    for n, (outcomes, seconds) in results.items():
        counts = Counter(o.status for o in outcomes)
        print(f"{n}: {dict(counts)} in {seconds:.1f} s")
        if args.match:
            for o in outcomes:
                print(f"  {o.status:7} {o.test} {o.reason}")
    command = ".venv/bin/python -m tests.w3c.report" + (
        f" --workers {args.workers}" if args.workers != 2 else ""
    ) + (f" --only {args.only}" if args.only else "")
    if not args.no_doc:
        write_doc(results, tests, command, args.workers, args.doc, measured_on)
        print(f"wrote {args.doc}")
    if args.update_baseline:
        BASELINE.write_text(json.dumps(baseline_of(results), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {BASELINE}")
    if args.json:
        args.json.write_text(
            json.dumps({n: [o.__dict__ for o in r[0]] for n, r in results.items()}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
