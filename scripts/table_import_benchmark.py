"""How the table importer's conversion grows with the rows of one file (no SHACL, no build).

``python scripts/table_import_benchmark.py [ROWS ...]`` writes a CSV per size whose objectives
all begin with the same six words (so every slug after the first needs its hash, and some share
one by chance) and one objective repeated on every tenth row (one element, many source
locations), then prints the seconds ``convert_tables`` takes. Linear growth: ten times the rows,
about ten times the seconds.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kemi_graph.importers.table import TableFile, convert_tables  # noqa: E402
from kemi_graph.namespaces import Iris  # noqa: E402

HEADER = ["Tavoite", "Toimenpiteet", "Vastuu ja aikataulu", "Mittarit, arviointi", "Toteuma 1-12/2023", "SDG"]


def write_table(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["Strateginen päämäärä: HYVÄ ARKI"])
        writer.writerow(HEADER)
        for n in range(rows):
            objective = "Sama tavoite joka toistuu" if n % 10 == 0 else f"Yhteinen alku kaikille tavoitteille tässä taulukossa {n}"
            writer.writerow([objective, "Toimenpide tehdään", "Päällikkö 2023", "Kävijöitä 100 krt/v", "Kävijöitä 120.", "3"])


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            path = Path(folder) / f"rows-{rows}.csv"
            write_table(path, rows)
            started = time.perf_counter()
            converted = convert_tables([TableFile(path)], Iris("https://w3id.org/kemi-graph"), municipality="testila", name="Testilä", code="998")
            print(f"{rows:>8} rows  {time.perf_counter() - started:8.2f} s  {len(converted.city):>9} city triples", flush=True)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10_000, 20_000, 40_000])
