"""``kemi-graph import`` into a built dist replaces one municipality in place, and gives what a full build gives.

One dist is built in full and then takes three imports in place (a new municipality, a second
one, then a corrected cell of the first); another is built in full once from the same saved
tables. Every published file (dumps, tables, checksums, manifest, description) and the dataset
version must be the same bytes, and the store the same quads.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kemi_graph.pipeline.run import build
from kemi_graph.config import Settings
from kemi_graph.importers.municipalities import import_table
from kemi_graph.store import build_info, open_read_only
from municipalities import CODE, CSV_2023, NAME, XLSX_2024

KUVITELMALA = CSV_2023.parents[1] / "kuvitelmala" / "kuvitelmala-2023.csv"


def _published(dist: Path) -> dict[str, bytes]:
    """Every file a user downloads (everything but the store and the internal caches)."""
    return {
        str(path.relative_to(dist)): path.read_bytes()
        for path in sorted(dist.rglob("*"))
        if path.is_file() and path.relative_to(dist).parts[0] not in ("store", "cache", "imports") and path.name != "build-info.json"
    }


def _corrected(folder: Path) -> Path:
    """The 2023 table with one cell changed (a reported result)."""
    text = CSV_2023.read_bytes().decode("utf-8-sig")
    first_result = next(line for line in text.splitlines()[2:] if line.count(";") >= 5).split(";")[4]
    assert first_result, "the example's first objective row reports a result"
    path = folder / "esimerkkila-2023.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace(first_result, first_result.rstrip('"') + " Korjattu.", 1).encode("utf-8"))
    return path


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Settings, list[str]]:
    """(incrementally updated dist, full build of the same inputs, the import log)."""
    folder = tmp_path_factory.mktemp("incremental")
    updated = Settings(dist_dir=folder / "updated" / "dist")
    build(updated, log=lambda line: None)
    lines: list[str] = []
    import_table(updated, CSV_2023, name=NAME, code=CODE, log=lines.append)
    import_table(updated, KUVITELMALA, name="Kuvitelmala", code="998", log=lines.append)
    import_table(updated, _corrected(folder), name=NAME, code=CODE, log=lines.append)
    full = Settings(dist_dir=folder / "full" / "dist")
    full.dist_dir.mkdir(parents=True)
    shutil.copytree(updated.dist_dir / "imports", full.dist_dir / "imports")
    build(full, log=lambda line: None)
    return updated, full, lines


def test_an_import_into_a_built_dist_updates_it_in_place(both: tuple[Settings, Settings, list[str]]) -> None:
    updated, _, lines = both
    assert sum("in place of a full build" in line for line in lines) == 3
    assert "copy" in build_info(updated)["seconds"]


def test_the_incremental_and_the_full_build_publish_the_same_bytes(both: tuple[Settings, Settings, list[str]]) -> None:
    updated, full, _ = both
    assert build_info(updated)["version"] == build_info(full)["version"]
    assert build_info(updated)["graphs"] == build_info(full)["graphs"]
    mine, theirs = _published(updated.dist_dir), _published(full.dist_dir)
    assert sorted(mine) == sorted(theirs)
    assert [name for name in mine if mine[name] != theirs[name]] == []
    assert b"Korjattu." in gzip.decompress(mine["dataset.nq.gz"])


def test_the_incremental_store_holds_the_same_quads(both: tuple[Settings, Settings, list[str]]) -> None:
    updated, full, _ = both
    mine, theirs = list(open_read_only(updated)), list(open_read_only(full))
    assert len(mine) == len(theirs)
    assert {q for q in mine if not _blank(q)} == {q for q in theirs if not _blank(q)}  # a store names blank nodes its own way


def _blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def test_a_dataset_dump_is_one_gzip_stream_of_the_whole_dataset(both: tuple[Settings, Settings, list[str]]) -> None:
    dist = both[0].dist_dir
    data = gzip.decompress((dist / "dataset.nq.gz").read_bytes())
    assert data == (dist / "dataset.nq").read_bytes()
    assert gzip.decompress((dist / "dataset.trig.gz").read_bytes()) == (dist / "dataset.trig").read_bytes()


def test_a_replaced_year_is_an_import_in_place_too(both: tuple[Settings, Settings, list[str]], tmp_path: Path) -> None:
    """The same municipality's next year joins its graphs without a full build."""
    updated = Settings(dist_dir=tmp_path / "dist")
    shutil.copytree(both[0].dist_dir, updated.dist_dir)
    lines: list[str] = []
    import_table(updated, XLSX_2024, name=NAME, code=CODE, log=lines.append)
    assert any("in place of a full build" in line for line in lines)
    assert b"2024" in (updated.dist_dir / "graphs" / "esimerkkila-city.ttl").read_bytes()


def test_an_import_that_fails_at_its_last_step_leaves_dist_as_it_was(
    both: tuple[Settings, Settings, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everything but the store was written into the staged copy (hard links to dist's files)
    when the store update fails: dist's files must not have changed, nor be left half-staged."""
    from kemi_graph.pipeline import incremental

    settings = Settings(dist_dir=tmp_path / "dist")
    shutil.copytree(both[0].dist_dir, settings.dist_dir)
    before = _published(settings.dist_dir)
    info = (settings.dist_dir / "build-info.json").read_bytes()

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(incremental, "_update_store", disk_full)
    with pytest.raises(OSError):
        import_table(settings, XLSX_2024, name=NAME, code=CODE, log=lambda line: None)
    assert _published(settings.dist_dir) == before
    assert (settings.dist_dir / "build-info.json").read_bytes() == info
    assert not list(tmp_path.glob(".dist-*-*")), "a staging folder was left behind"


def test_after_an_sdg_import_the_next_import_is_a_full_build(both: tuple[Settings, Settings, list[str]], tmp_path: Path) -> None:
    """The UN SDG KOS is a graph every municipality is published with: once it changed, an import
    cannot build on the pieces kept before it."""
    from kemi_graph.importers.sdg_kos import import_kos
    from test_sdg_links import kos_dir

    if not (kos_dir() / "sdg-kos-goals-targets-indicators.ttl").is_file():
        pytest.skip(f"UN SDG KOS dump not found in {kos_dir()} (set KEMI_GRAPH_SHARED_DIR to the 'shared' folder)")
    settings = Settings(dist_dir=tmp_path / "dist")
    shutil.copytree(both[0].dist_dir, settings.dist_dir)
    import_kos(settings, kos_dir(), log=lambda line: None)
    lines: list[str] = []
    import_table(settings, XLSX_2024, name=NAME, code=CODE, log=lines.append)
    assert not any("in place of a full build" in line for line in lines)
    assert (settings.dist_dir / "graphs" / "un-sdg-kos.nq.gz").is_file()
