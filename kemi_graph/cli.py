"""``kemi-graph``: a thin command line. It parses, calls the library and maps errors to exit codes.

Exit codes: 0 success, 1 the data does not conform (validate, build), 2 bad input or settings.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from kemi_graph import __version__
from kemi_graph.config import Settings
from kemi_graph.errors import KemiGraphError, ValidationFailed

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2
STAGED_WRITERS = ("build", "import", "sdg")  # they write a copy of dist and swap it in only when complete
WRITERS = (*STAGED_WRITERS, "release", "convert")  # one at a time (kemi_graph.store.writer_lock)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kemi-graph",
        description="A municipality's strategy and follow-up as a validated, reasoned knowledge graph linked to the UN SDGs.",
    )
    parser.add_argument("--version", action="version", version=f"kemi-graph {__version__}")
    parser.add_argument("--base-iri", help="base IRI of minted data IRIs (KEMI_GRAPH_BASE_IRI); changing it changes every data IRI")
    parser.add_argument("--dist-dir", type=Path, help="folder of the built store and dumps (KEMI_GRAPH_DIST_DIR, default ./dist)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="load, SHACL-validate, OWL-RL-reason and write the store and dumps to dist/")
    build.add_argument("--processes", type=int, help="processes validating and reasoning per municipality at once (KEMI_GRAPH_BUILD_PROCESSES, default: one per CPU)")

    validate = commands.add_parser("validate", help="check RDF or curated strategy files against the SHACL shapes")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE", help="RDF (any common syntax) or strategy.yaml")

    query = commands.add_parser("query", help="run a SPARQL query against the built store")
    source = query.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", type=Path, metavar="FILE.rq", help="a file holding the query, or the name of a named query (see 'kemi-graph queries')")
    source.add_argument("-e", "--expression", metavar="SPARQL", help="the query itself")
    query.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")
    query.add_argument("--param", action="append", metavar="NAME=VALUE", help="a named query's parameter (repeatable), e.g. --param sdg=sdg:3")

    commands.add_parser("queries", help="list the named queries (queries/*.rq) with their titles and parameters")

    serve = commands.add_parser("serve", help="serve the SPARQL endpoint and linked-data pages (builds first if nothing is built)")
    serve.add_argument("--data", action="append", metavar="FILE[=GRAPH_IRI]", help="serve these RDF files instead of the built graph (repeatable)")
    serve.add_argument("--host", help="interface to listen on (KEMI_GRAPH_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (KEMI_GRAPH_PORT, default 5000)")
    serve.add_argument("--workers", type=int, help="gunicorn worker processes (KEMI_GRAPH_WORKERS): more serve more clients at once, each costs memory")
    serve.add_argument("--query-timeout", type=float, help="seconds a query may run before it is stopped (KEMI_GRAPH_QUERY_TIMEOUT)")
    serve.add_argument("--max-rows", type=int, help="most result rows returned; longer results are cut and say so (KEMI_GRAPH_MAX_ROWS)")
    serve.add_argument("--public-url", metavar="URL", help="the site's public address, used in canonical links, the sitemap, robots.txt and the service description (KEMI_GRAPH_PUBLIC_URL, default: the base IRI)")
    serve.add_argument("--sparql-endpoint", metavar="URL", help="serve over this SPARQL 1.1 query endpoint (e.g. an Oxigraph server filled by 'kemi-graph publish') instead of the embedded store")

    commands.add_parser("convert", help="regenerate data/*/strategy.trig from the curated strategy.yaml files")

    sdg = commands.add_parser("sdg", help="the UN SDG vocabulary: 'sdg import PATH_OR_URL' loads the full UN SDG KOS into the built store")
    sdg_commands = sdg.add_subparsers(dest="sdg_command", required=True, metavar="SDG_COMMAND")
    sdg_import = sdg_commands.add_parser("import", help="parse the UN SDG KOS (file, folder of the UN dump files, or http(s) URL) and replace graph {base}/graph/un-sdg-kos of dist/store; later builds keep it")
    sdg_import.add_argument("source", metavar="PATH_OR_URL", help="an RDF file, a folder of RDF files, or an http(s) URL")

    export = commands.add_parser("export", help="write a tidy table of the built graph (sdg-links, indicators, numeric-results) as CSV or JSON")
    export.add_argument("table", metavar="TABLE", help="one of: sdg-links, indicators, numeric-results")
    export.add_argument("--format", choices=("csv", "json"), default="csv", help="output format (default: csv)")
    export.add_argument("-o", "--output", type=Path, help="write to this file instead of standard output")
    export.add_argument("--all", action="store_true", dest="all_suggestions", help="sdg-links: also the suggestions scoring under the method's threshold (not shown by default)")

    release = commands.add_parser("release", help="build, then write a reproducible release folder (dumps, DCAT/VoID, SHACL report, changelog)")
    release.add_argument("release_version", metavar="VERSION", help="the release's version, e.g. 2024.1 or 1.0.0; an existing release is never overwritten")
    release.add_argument("--releases-dir", type=Path, help="folder of the releases (KEMI_GRAPH_RELEASES_DIR, default ./releases)")
    release.add_argument("--no-build", action="store_true", help="release dist/ as it was built, without building first (faster; stale if the data changed)")
    _add_municipality_commands(commands)
    return parser


def _add_municipality_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``import`` (another municipality's table), ``publish`` (into a SPARQL server); see docs/import.md, docs/scale.md."""
    table = commands.add_parser("import", help="import a municipality's strategy table (XLSX or CSV, the six columns of docs/import.md) and rebuild")
    table.add_argument("table_file", type=Path, metavar="FILE", help="an .xlsx or .csv file in the template layout (examples/template/)")
    table.add_argument("--municipality", required=True, metavar="NAME", help="the municipality's name, e.g. Esimerkkilä (its IRI slug is made from it)")
    table.add_argument("--code", required=True, help="the municipality's code (Statistics Finland, e.g. 240)")
    table.add_argument("--year", type=int, help="the reporting year (default: read from the 'Toteuma 1-12/YYYY' heading)")
    table.add_argument("--columns", metavar="NAME=COLUMN,...", help="the file's own headings for the table's columns, e.g. 'Tavoite=Päätavoite,Toimenpiteet=Keinot' (also read from FILE.columns.yaml beside the file; docs/import.md)")
    publish = commands.add_parser("publish", help="load the built graphs into an existing SPARQL 1.1 server, replacing each named graph atomically")
    publish.add_argument("--endpoint", required=True, metavar="URL", help="the server's SPARQL Update endpoint (e.g. http://host:7878/update)")
    publish.add_argument("--graph-store", metavar="URL", help="its Graph Store Protocol endpoint (e.g. http://host:7878/store): one PUT per graph instead of SPARQL Update; needed for Virtuoso (/sparql-graph-crud-auth)")
    publish.add_argument("--user", metavar="NAME", help="a user allowed to update the server (HTTP Digest or Basic authentication); the password is read from KEMI_GRAPH_PUBLISH_PASSWORD")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(
            base_iri=args.base_iri,
            dist_dir=args.dist_dir,
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            workers=getattr(args, "workers", None),
            query_timeout=getattr(args, "query_timeout", None),
            max_rows=getattr(args, "max_rows", None),
            public_url=getattr(args, "public_url", None),
        )
        if args.command in WRITERS:
            from kemi_graph.store import writer_lock

            with writer_lock(settings, waiting=lambda message: print(f"kemi-graph: {message}", file=sys.stderr, flush=True)):
                return _COMMANDS[args.command](settings, args)
        return _COMMANDS[args.command](settings, args)
    except ValidationFailed as failure:
        print(f"kemi-graph: {failure}", file=sys.stderr)
        print(failure.report, file=sys.stderr)
        return EXIT_INVALID
    except KemiGraphError as error:
        print(f"kemi-graph: {error}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:  # a full disk, a permission: the machine's state, not a bug to show a traceback for
        where = f"{error.filename}: " if error.filename else ""
        kept = f"; the previous build in {args.dist_dir or 'dist'} is unchanged" if args.command in STAGED_WRITERS else ""
        print(f"kemi-graph: {args.command}: {where}{error.strerror or error}{kept}", file=sys.stderr)
        return EXIT_ERROR


def _build(settings: Settings, args: argparse.Namespace) -> int:
    from kemi_graph.pipeline.run import build

    build(settings.replace(build_processes=args.processes))
    return EXIT_OK


def _validate(settings: Settings, args: argparse.Namespace) -> int:
    from kemi_graph.pipeline.checks import validate_files

    result = validate_files(args.files, settings)
    print(result.report())
    return EXIT_OK if result.conforms else EXIT_INVALID


def _query(settings: Settings, args: argparse.Namespace) -> int:
    from kemi_graph.errors import InputError
    from kemi_graph.query_output import render
    from kemi_graph.store import open_read_only, run_query

    from kemi_graph import queries

    named = None
    if args.file is not None:
        sparql, named = queries.from_argument(args.file)
    else:
        sparql = args.expression
    values = queries.parse_assignments(args.param)
    if named is not None:
        substitutions = named.bindings(values, settings.base_iri)
    elif values:
        raise InputError(f"--param {next(iter(values))}: only a named query (a queries/*.rq file with a header, or its name) takes parameters")
    else:
        substitutions = None
    text = render(run_query(open_read_only(settings), sparql, substitutions=substitutions), args.format)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from kemi_graph.pipeline.run import build
    from kemi_graph.store import BUILD_INFO, writer_lock
    from kemi_graph.web.serve import run

    if getattr(args, "sparql_endpoint", None):
        from kemi_graph.remote import run_remote

        run_remote(settings, args.sparql_endpoint)
        return EXIT_OK
    if not args.data and not (settings.dist_dir / BUILD_INFO).is_file():
        print(f"kemi-graph: nothing built in {settings.dist_dir}; building first", file=sys.stderr)
        with writer_lock(settings, waiting=lambda message: print(f"kemi-graph: {message}", file=sys.stderr, flush=True)):
            if not (settings.dist_dir / BUILD_INFO).is_file():  # another writer may have built it meanwhile
                build(settings)
    run(settings, data=args.data)
    return EXIT_OK


def _queries(settings: Settings, args: argparse.Namespace) -> int:
    from kemi_graph.queries import all_queries

    for name, named in all_queries().items():
        params = " ".join(f"{p.name}={'<' + p.type + '>' if p.default is None else p.default}" for p in named.params)
        print(f"{name:<28} {named.title('en')} / {named.title('fi')}" + (f"  [{params}]" if params else ""))
    return EXIT_OK


def _convert(settings: Settings, args: argparse.Namespace) -> int:
    from kemi_graph.pipeline.checks import write_strategy_rdf

    for path in write_strategy_rdf(settings):
        print(f"wrote {path}")
    return EXIT_OK


_COMMANDS = {"build": _build, "validate": _validate, "query": _query, "serve": _serve, "convert": _convert, "queries": _queries}


def _sdg(settings: Settings, args: argparse.Namespace) -> int:
    from kemi_graph.importers.sdg_kos import import_kos

    import_kos(settings, args.source)
    return EXIT_OK


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from kemi_graph.exports import export_table
    from kemi_graph.store import open_read_only

    data = export_table(open_read_only(settings), settings, args.table, args.format, args.all_suggestions)
    if args.output is not None:
        args.output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return EXIT_OK


_COMMANDS.update({"sdg": _sdg, "export": _export})


def _release(settings: Settings, args: argparse.Namespace) -> int:
    from kemi_graph.pipeline.run import build
    from kemi_graph.publish.release import release

    settings = settings.replace(releases_dir=args.releases_dir)
    if not args.no_build:
        build(settings)
    release(settings, args.release_version)
    return EXIT_OK


_COMMANDS["release"] = _release

def _import(settings: Settings, args: argparse.Namespace) -> int:
    from kemi_graph.importers.municipalities import column_option, import_table

    import_table(settings, args.table_file, name=args.municipality, code=args.code, year=args.year, columns=column_option(args.columns))
    return EXIT_OK


def _publish(settings: Settings, args: argparse.Namespace) -> int:
    from kemi_graph.remote import Credentials, publish

    publish(settings, args.endpoint, graph_store=args.graph_store, credentials=Credentials.from_env(args.user))
    return EXIT_OK


_COMMANDS.update({"import": _import, "publish": _publish})

if __name__ == "__main__":
    sys.exit(main())
