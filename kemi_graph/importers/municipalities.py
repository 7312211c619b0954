"""``kemi-graph import FILE --municipality NAME --code CODE [--year YEAR]``: another municipality's table.

The file is read, converted (kemi_graph.importers.table) together with the municipality's
earlier years and validated with the project's SHACL shapes before anything is stored. Only
then is it saved as ``dist/imports/tables/{municipality}/{year}.{csv|xlsx}`` (with
``municipality.json``: name, code, years) in a staging copy of the imports, and a build runs
over it — or, when ``dist`` was built from the same shared inputs, only the municipality's own
graphs are replaced in a staged copy (kemi_graph/pipeline/incremental.py); either way the staged
``dist`` is swapped in only when every step succeeded (the same atomic swap as ``kemi-graph
build``, see kemi_graph/store.py). A refused file leaves ``dist`` (store, dumps and saved
imports) exactly as it was.

Every later ``kemi-graph build`` re-reads ``dist/imports/tables/`` and carries it forward, like
the UN SDG KOS of ``kemi-graph sdg import``, so ``query``, ``build`` and ``serve`` include the
imported municipalities with no further step.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import Graph

from kemi_graph.config import Settings
from kemi_graph.errors import InputError, ValidationFailed
from kemi_graph.importers.common import ConvertedStrategy
from kemi_graph.importers.table import SUFFIXES, TableFile, check_code, convert_tables, municipality_slug, parse_table
from kemi_graph.namespaces import Iris

TABLES_FOLDER = Path("imports") / "tables"
MANIFEST = "municipality.json"
COLUMNS_SUFFIX = ".columns.yaml"


@dataclass
class ImportedMunicipality:
    slug: str
    name: str
    code: str
    files: dict[int, Path] = field(default_factory=dict)  # year → saved table
    originals: dict[int, str] = field(default_factory=dict)  # year → the imported file's name
    columns: dict[int, dict[str, str]] = field(default_factory=dict)  # year → its column mapping, if any

    def convert(self, iris: Iris) -> ConvertedStrategy:
        tables = [TableFile(path, year, self.originals.get(year), self.columns.get(year)) for year, path in sorted(self.files.items())]
        return convert_tables(tables, iris, municipality=self.slug, name=self.name, code=self.code)


@dataclass
class TableImports:
    """The municipalities imported from tables, as saved in a folder (``dist/imports/tables``)."""

    folder: Path | None
    municipalities: dict[str, ImportedMunicipality] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path) -> TableImports:
        found = cls(folder)
        if not folder.is_dir():
            return found
        for manifest in sorted(folder.glob(f"*/{MANIFEST}")):
            try:
                info = json.loads(manifest.read_text(encoding="utf-8"))
                files = {int(year): manifest.parent / name for year, name in info["files"].items()}
                originals = {int(year): name for year, name in (info.get("originals") or {}).items()}
                columns = {int(year): dict(mapping) for year, mapping in (info.get("columns") or {}).items()}
                found.municipalities[manifest.parent.name] = ImportedMunicipality(manifest.parent.name, info["name"], info["code"], files, originals, columns)
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise InputError(f"{manifest}: the saved import's manifest is damaged ({error}); import the file again") from error
        return found

    def strategies(self, iris: Iris, log: Callable[[str], None] | None = None) -> Iterator[ConvertedStrategy]:
        """Each municipality converted, one at a time (in name order)."""
        return (m.convert(iris) for _, m in sorted(self.municipalities.items()))

    def save(self, staging: Path) -> None:
        """Carry the saved tables into a staged dist (``{staging}/imports/tables``)."""
        if not self.municipalities or self.folder is None:
            return
        target = staging / TABLES_FOLDER
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.folder, target, dirs_exist_ok=True)


def saved_tables(settings: Settings) -> TableImports:
    return TableImports.read(settings.dist_dir / TABLES_FOLDER)


def column_option(text: str | None) -> dict[str, str]:
    """``--columns NAME=COLUMN,...`` as ``{NAME: COLUMN}``."""
    pairs: dict[str, str] = {}
    for piece in (text or "").split(","):
        if not piece.strip():
            continue
        name, equals, column = piece.partition("=")
        if not equals or not name.strip() or not column.strip():
            raise InputError(f"--columns: {piece.strip()!r} is not NAME=COLUMN (for a heading with a comma in it use FILE.columns.yaml, docs/import.md)")
        pairs[name.strip()] = column.strip()
    return pairs


def columns_file(path: Path) -> Path:
    """The column mapping kept beside a table: ``table.columns.yaml`` for ``table.xlsx``."""
    return path.with_name(f"{path.stem}{COLUMNS_SUFFIX}")


def read_columns_file(path: Path) -> dict[str, str]:
    """``{NAME: COLUMN}`` from the YAML beside the table, if there is one; InputError names the file."""
    mapping_file = columns_file(path)
    if not mapping_file.is_file():
        return {}
    try:
        data = yaml.safe_load(mapping_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InputError(f"{mapping_file}: not a readable YAML file: {error}") from error
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise InputError(f"{mapping_file}: write one 'NAME: COLUMN' line per column, e.g. 'Tavoite: Päätavoite'")
    return data


def check_table(
    path: Path, iris: Iris, *, name: str, code: str, year: int | None = None, earlier: ImportedMunicipality | None = None,
    columns: dict[str, str] | None = None, log: Callable[[str], None] | None = None,
) -> tuple[ConvertedStrategy, int]:
    """Convert ``path`` (with the municipality's other saved years) and SHACL-validate it; nothing is stored.

    Returns the converted graphs and the file's reporting year; ``log`` hears what was read past
    (columns ignored). Raises InputError (a bad file, naming sheet, row and column) or
    ValidationFailed (the shapes' report).
    """
    from kemi_graph.pipeline.load import shared_graphs
    from kemi_graph.pipeline.load import union_of
    from kemi_graph.pipeline.validate import validate
    from kemi_graph.importers.data_sources import data_sources_graph

    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(f"{path}: unknown table type {path.suffix!r}; use .xlsx or .csv")
    slug = municipality_slug(name)
    code = check_code(code)
    parsed = parse_table(TableFile(path, year, columns=columns))
    for note in parsed.notes:
        (log or print)(note)
    parsed_year = parsed.year
    files = dict(earlier.files) if earlier else {}
    files[parsed_year] = path
    originals = dict(earlier.originals) if earlier else {}
    originals[parsed_year] = path.name
    mappings = {y: m for y, m in (earlier.columns if earlier else {}).items() if y != parsed_year}
    if columns:
        mappings[parsed_year] = dict(columns)
    candidate = ImportedMunicipality(slug, name, code, files, originals, mappings)
    converted = candidate.convert(iris)
    shared = shared_graphs()
    result = validate(union_of(shared.ontology, shared.sdg_goals, data_sources_graph(iris), converted.city, converted.interpretation))
    if not result.conforms:
        raise ValidationFailed(f"{path}: the table does not conform to the SHACL shapes; nothing was stored", result.report())
    return converted, parsed_year


def import_table(
    settings: Settings, path: Path, *, name: str, code: str, year: int | None = None, columns: dict[str, str] | None = None,
    log: Callable[[str], None] = print,
) -> ConvertedStrategy:
    """Check the table, then build with it saved among the imports; ``dist`` changes only if all succeeds.

    ``columns`` ({NAME: COLUMN}) maps other headings to the table's columns, over those of the
    YAML beside the file (:func:`columns_file`); the mapping is saved with the table."""
    from kemi_graph.pipeline.incremental import can_update, replace_municipality
    from kemi_graph.pipeline.load import strategy_files
    from kemi_graph.pipeline.run import build
    from kemi_graph.pipeline.validate import validate

    iris = Iris(settings.base_iri)
    slug = municipality_slug(name)
    curated = {p.parent.name for p in strategy_files()}
    if slug in curated:
        raise InputError(f"--municipality {name!r}: {slug!r} is a curated municipality of data/ (data/{slug}/strategy.yaml); choose another name")
    current = saved_tables(settings)
    earlier = current.municipalities.get(slug)
    if earlier is not None and earlier.code != check_code(code):
        raise InputError(f"--code {code!r}: {name!r} was imported before with code {earlier.code!r}")
    mapping = {**read_columns_file(path), **(columns or {})}
    converted, parsed_year = check_table(path, iris, name=name, code=code, year=year, earlier=earlier, columns=mapping, log=log)
    dist = settings.dist_dir.resolve()
    dist.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dist.name}-tables-", dir=dist.parent))
    try:
        folder = staging / "tables"
        if current.folder is not None and current.folder.is_dir():
            shutil.copytree(current.folder, folder)
        target = folder / slug
        target.mkdir(parents=True, exist_ok=True)
        for stale in target.glob(f"{parsed_year}.*"):
            stale.unlink()
        saved_name = f"{parsed_year}{path.suffix.lower()}"
        shutil.copy2(path, target / saved_name)
        files = {str(y): p.name for y, p in sorted((earlier.files if earlier else {}).items()) if y != parsed_year}
        files[str(parsed_year)] = saved_name
        originals = {str(y): n for y, n in sorted((earlier.originals if earlier else {}).items()) if y != parsed_year}
        originals[str(parsed_year)] = path.name
        manifest: dict[str, object] = {"name": name, "code": check_code(code), "files": dict(sorted(files.items())), "originals": dict(sorted(originals.items()))}
        mappings = {str(y): m for y, m in sorted((earlier.columns if earlier else {}).items()) if y != parsed_year}
        if mapping:
            mappings[str(parsed_year)] = mapping
        if mappings:
            manifest["columns"] = dict(sorted(mappings.items()))
        (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if can_update(settings, validate):
            def save(dist_staging: Path) -> None:
                saved = dist_staging / TABLES_FOLDER / slug
                shutil.rmtree(saved, ignore_errors=True)  # links to the published files: removed, never written into
                shutil.copytree(target, saved)

            replace_municipality(settings, converted, save, log=log)
        else:
            build(settings, log=log, tables=TableImports.read(folder))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"imported {path.name} as {name} ({check_code(code)}), year {parsed_year}: "
        f"{len(converted.city)} city and {len(converted.interpretation)} interpretation triples")
    return converted


def union_of(*graphs: Graph) -> Graph:
    from kemi_graph.pipeline.load import union_of

    return union_of(*graphs)
