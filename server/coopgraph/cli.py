"""The ``coopgraph`` command: build, validate, query, stats, links, serve.

Each subcommand is a thin shell over one module; errors the user can fix are printed as one
clear line (never a traceback) with a distinct exit code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__, config, settings

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2


def _store_arg(parser: argparse.ArgumentParser, command: str) -> None:
    settings.add_arguments(parser, command, only=["STORE_DIR"])


def _remote(args: argparse.Namespace, command: str):  # type: ignore[no-untyped-def]
    """engines hook: the remote engine settings (None: the embedded store; False: bad options,
    already reported)."""
    from .remote_cli import settings_from
    from .store import StoreError

    try:
        return settings_from(args)
    except StoreError as exc:
        print(f"coopgraph {command}: {exc}", file=sys.stderr)
        return False


def cmd_build(args: argparse.Namespace) -> int:
    from .build import BuildError, build

    if (remote := _remote(args, "build")) is not None:  # engines hook: --backend sparql
        from .remote_build import main as build_remote

        return build_remote(remote, validate=not args.no_validate) if remote else EXIT_INPUT
    try:
        result = build(args.store, validate=not args.no_validate)
    except BuildError as exc:
        print(f"coopgraph build: {exc}", file=sys.stderr)
        print("coopgraph build: the previous store (if any) is unchanged", file=sys.stderr)
        return EXIT_FAILED
    total = sum(result.counts.values())
    for graph, n in result.counts.items():
        print(f"{n:>8}  {graph}")
    print(f"{total:>8}  triples in {result.store_dir} ({result.seconds:.1f} s)")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from .validate import lang_from_env, main

    return main(args.files, output_format=args.format, lang=args.lang or lang_from_env(),
                input_format=args.input_format, curated=args.curated)


def cmd_contribute(args: argparse.Namespace) -> int:
    from .contextual import parse_contribution_file
    from .contributions import ContributionError, ingest
    from .rdfio import RdfParseError, format_for_path, read_bytes, resolve_format
    from .store import StoreError, open_store
    from .validate import lang_from_env

    lang = args.lang or lang_from_env()
    try:
        data = read_bytes(args.file)
        contribution = parse_contribution_file(args.file, args.input_format)
        if args.file.suffix.lower() == ".csv" and not args.input_format:
            media_type = "text/csv"
        elif args.input_format:
            media_type = resolve_format(args.input_format, where=str(args.file)).media_type
        else:
            media_type = format_for_path(args.file).media_type
    except RdfParseError as exc:
        print(f"coopgraph contribute: {exc}", file=sys.stderr)
        return EXIT_INPUT
    try:
        with open_store(args.store or config.default_store_path()) as store:
            entry = ingest(store, contribution, data, contributor=args.contributor,
                           source=args.source, note=args.note, lang=lang,
                           media_type=media_type)
    except ContributionError as exc:
        if exc.report is not None:
            sys.stdout.write(exc.report.to_text())
        print(f"coopgraph contribute: {exc.message}", file=sys.stderr)
        return EXIT_FAILED if exc.status in (409, 422) else EXIT_INPUT
    except RdfParseError as exc:  # readable, but the validator cannot check it
        print(f"coopgraph contribute: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except StoreError as exc:
        print(f"coopgraph contribute: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{entry.id}  {entry.graph}  {entry.triples} triples, {entry.inferred} inferred")
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    from .query import main
    from .store import QuerySyntaxError, StoreError

    if (remote := _remote(args, "query")) is False:  # engines hook: --backend sparql
        return EXIT_INPUT
    try:
        if remote is not None:
            from .remote_cli import query_main

            query_main(args.query, remote, fmt=args.format, max_width=args.max_width)
        else:
            main(args.query, store_path=args.store or config.default_store_path(),
                 endpoint=args.endpoint, fmt=args.format, max_width=args.max_width)
    except QuerySyntaxError as exc:
        from .query import read_query
        from .query_hints import misspelt_keyword

        hint = misspelt_keyword(read_query(args.query))
        print(f"coopgraph query: syntax error: {hint + '; ' if hint else ''}{exc}",
              file=sys.stderr)
        return EXIT_INPUT
    except StoreError as exc:
        print(f"coopgraph query: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from .stats import compute, render
    from .store import Store, StoreError, open_store

    if (remote := _remote(args, "stats")) is False:  # engines hook: --backend sparql
        return EXIT_INPUT
    path = args.store or config.default_store_path()
    store: Store
    if remote is not None:
        from .store.remote import open_remote

        try:
            store = open_remote(remote, read_only=True)
        except StoreError as exc:
            print(f"coopgraph stats: {exc}", file=sys.stderr)
            return EXIT_FAILED
    elif not Path(path).exists():
        print(f"coopgraph stats: no store at {path}: run `coopgraph build` first", file=sys.stderr)
        return EXIT_FAILED
    else:
        try:
            store = open_store(path, read_only=True)
        except StoreError as exc:
            print(f"coopgraph stats: {exc}", file=sys.stderr)
            return EXIT_FAILED
    try:
        render(compute(store), sys.stdout, args.format)
    finally:
        store.close()
    return EXIT_OK


def cmd_links(args: argparse.Namespace) -> int:
    from .links import main

    return main(table=args.table, entity_map=args.entity_map, out=args.out)


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import run

    if (remote := _remote(args, "serve")) is False:  # engines hook: --backend sparql
        return EXIT_INPUT
    args.remote = remote
    return run(args)


def parser() -> argparse.ArgumentParser:
    """The argument parser (also used to generate the CLI reference in the docs)."""
    from .remote_cli import add_arguments as add_backend_arguments  # engines hook

    top = argparse.ArgumentParser(
        prog="coopgraph",
        description="A SPARQL knowledge graph of the international action of local governments.",
    )
    top.add_argument("--version", action="version", version=f"coopgraph {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", help="validate the sources and build the store")
    _store_arg(p, "build")
    p.add_argument("--no-validate", action="store_true", help="skip SHACL validation")
    add_backend_arguments(p, "build")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("validate", help="check RDF files against the shapes (SHACL)")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--format", choices=["text", "json", "turtle"], default="text",
                   help="report format (default: text)")
    p.add_argument("--lang", choices=["fr", "en"], default=None,
                   help="message language (default: from LC_ALL/LC_MESSAGES/LANG, else en)")
    p.add_argument("--input-format", default=None,
                   help="RDF syntax of the files when their extension does not say it "
                        "(turtle, trig, json-ld, rdf-xml, n-triples, n-quads, or a media type)")
    p.add_argument("--curated", action="store_true",
                   help="check the files as curated data (the union of the files, sources = "
                        "the five documents) instead of as contributions in the graph's context")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("contribute",
                       help="validate a contributed file and, if it conforms, add it to the store")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--contributor", required=True, metavar="NAME", help="who contributes")
    p.add_argument("--source", required=True, metavar="URL", help="where the data comes from")
    p.add_argument("--note", default=None, help="a note kept with the contribution")
    p.add_argument("--lang", choices=["fr", "en"], default=None,
                   help="message language (default: from LC_ALL/LC_MESSAGES/LANG, else en)")
    p.add_argument("--input-format", default=None,
                   help="syntax of the file when its extension does not say it")
    _store_arg(p, "contribute")
    p.set_defaults(func=cmd_contribute)

    p = sub.add_parser("query", help="run a SPARQL query on the store or a remote endpoint")
    p.add_argument("query", metavar="QUERY|FILE.rq")
    _store_arg(p, "query")
    p.add_argument("--endpoint", metavar="URL", help="a remote SPARQL endpoint instead")
    p.add_argument("--format", choices=["table", "csv", "tsv", "json"], default="table")
    p.add_argument("--max-width", type=int, default=60, metavar="N",
                   help="table cells wider than N characters wrap onto more lines, never cut "
                        "(0: no wrapping; default: 60)")
    add_backend_arguments(p, "query")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("stats", help="triples per graph, instances per class, link coverage")
    _store_arg(p, "stats")
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_backend_arguments(p, "stats")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("links", help="regenerate data/links/ from the verified reference table")
    p.add_argument("--table", type=Path, default=None, help="the reference table (TSV)")
    p.add_argument("--entity-map", type=Path, default=None, help="reference name → our IRI")
    p.add_argument("--out", type=Path, default=None, help="the generated Turtle file")
    p.set_defaults(func=cmd_links)

    from .serve import add_arguments

    p = sub.add_parser("serve", help="serve the SPARQL endpoint")
    add_arguments(p)
    p.set_defaults(func=cmd_serve)
    return top


def reference_markdown() -> str:
    """The CLI reference (docs/cli.md), generated from the parser so it cannot drift."""
    import os

    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal: fix it for a stable file
    try:
        return _reference_markdown()
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def _reference_markdown() -> str:
    top = parser()
    parts = ["# Command-line reference\n",
             "Generated from `coopgraph --help`; `tests/test_cli_docs.py` keeps it current.\n",
             "```text", top.format_help().rstrip(), "```\n"]
    subparsers = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subparsers.choices.items():
        parts += [f"## coopgraph {name}\n", "```text", sub.format_help().rstrip(), "```\n"]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe is reported here, inside the try, not at exit
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `coopgraph stats | head`: the reader left, end quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
