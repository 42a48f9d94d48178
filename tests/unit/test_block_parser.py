"""The column-at-a-time block parser must give exactly what the row-by-row parser gives, for clean blocks
and for every kind of field dirt and bad row, wherever it sits in the block."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigap_core.crypto import Hasher
from sigap_core.demo import generate, write_files
from sigap_core.importers.fields import RowProblem
from sigap_core.importers.readers import open_source
from sigap_core.importers.rows import DTSEN_COLUMNS, DtsenRowParser
from sigap_core.wilayah import load_wilayah
from tests.conftest import TEST_SECRET, TODAY

COLUMN = {name: index for index, name in enumerate(DTSEN_COLUMNS)}

# (column, replacement) — each applied to one row of an otherwise clean block.
DIRT: list[tuple[str, str]] = [
    ("nik", "3275 0952 0369 0028"),
    ("nik", "3.27501E+15"),
    ("nik", "327509520369002"),
    ("nik", "32750952036900281"),
    ("nik", "٣٢٧٥٠٩٥٢٠٣٦٩٠٠٢٨"),  # Arabic-Indic digits: isdigit() but not ASCII
    ("nik", "9975095203690028"),  # unknown province
    ("nik", "3200095203690028"),  # regency 00
    ("nik", "3275005203690028"),  # kecamatan 00
    ("nik", "3275093213690028"),  # month 13
    ("nik", "3275093002690028"),  # 30 February
    ("nik", "3275095203690000"),  # serial 0000
    ("nik", ""),
    ("no_kk", "3275-0918-0905-0489"),
    ("no_kk", "0000000000000000"),
    ("no_kk", "327509180905048"),
    ("no_kk", ""),
    ("nama", "  SITI   AMINAH "),
    ("nama", "SITI\tAMINAH"),
    ("nama", "SITI\u00a0AMINAH"),
    ("nama", ""),
    ("nama", "A" * 101),
    ("nama", "SITI AMINAH" + " BINTI ABDULLAH" * 6),  # 96 characters: masked name cut at 80
    ("tanggal_lahir", "12-03-1969"),
    ("tanggal_lahir", "12/03/1969"),
    ("tanggal_lahir", "1969-02-30"),
    ("tanggal_lahir", "kemarin"),
    ("tanggal_lahir", ""),
    ("jenis_kelamin", "l"),
    ("jenis_kelamin", "Perempuan"),
    ("jenis_kelamin", "X"),
    ("kode_kelurahan", "3275091004"),
    ("kode_kelurahan", "32.16.06.2001"),  # Kabupaten Bekasi: outside the city, kept
    ("kode_kelurahan", "32.75.99.9999"),  # inside the city's prefix but unknown
    ("kode_kelurahan", "bekasi"),
    ("kode_kelurahan", ""),
    ("desil", "01"),
    ("desil", " 3"),
    ("desil", "11"),
    ("desil", "x"),
    ("no_hp", "+6281234567890"),
    ("no_hp", "6281234567890"),
    ("no_hp", "81234567890"),
    ("no_hp", "0812-3456-7890"),
    ("no_hp", "(0812) 3456 7890"),
    ("no_hp", "021-8801234"),  # a landline: ignored with a warning
    ("no_hp", "-"),
    ("pekerjaan", "  Pengemudi   Ojek  Online "),
    ("pekerjaan", "Buruh " * 30),
]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[DtsenRowParser, list[str]]:
    out: Path = tmp_path_factory.mktemp("block")
    persons, peserta, _ = generate(400, 11, load_wilayah(), TODAY)
    write_files(out, persons, peserta, 11)
    source = open_source(out / "dtsen.csv", DTSEN_COLUMNS)
    parser = DtsenRowParser(source.header, Hasher(TEST_SECRET.encode()), load_wilayah())
    source.close()
    lines = (out / "dtsen.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert not any('"' in line for line in lines)
    return parser, lines


def row_by_row(parser: DtsenRowParser, first_line: int, lines: list[str]) -> tuple[list[object], list[object]]:
    rows, rejected = [], []
    for number, line in enumerate(lines, first_line):
        if not line.strip():
            continue
        try:
            rows.append(parser.parse(number, line.split(",")))  # type: ignore[arg-type]
        except RowProblem as problem:
            rejected.append((number, problem.reason, problem.params))
    warnings, parser.warnings = parser.warnings, []
    return rows, rejected + [("warning", *w) for w in warnings]


def by_block(parser: DtsenRowParser, first_line: int, lines: list[str]) -> tuple[list[object], list[object], int]:
    rows, rejected, read = parser.parse_block(first_line, "\n".join(lines) + "\n", ",")
    warnings, parser.warnings = parser.warnings, []
    return sorted(rows, key=lambda row: row[0]), rejected + [("warning", *w) for w in warnings], read


def test_a_clean_block_matches_the_row_parser(clean: tuple[DtsenRowParser, list[str]]) -> None:
    parser, lines = clean
    expected_rows, expected_rejected = row_by_row(parser, 2, lines)
    rows, rejected, read = by_block(parser, 2, lines)
    assert rows == expected_rows
    assert rejected == expected_rejected
    assert read == len(lines)


@pytest.mark.parametrize(("column", "value"), DIRT, ids=[f"{c}={v[:20]!r}" for c, v in DIRT])
@pytest.mark.parametrize("where", [0, 57, -1])
def test_each_kind_of_dirt_matches_the_row_parser(
    clean: tuple[DtsenRowParser, list[str]], column: str, value: str, where: int
) -> None:
    parser, lines = clean
    lines = list(lines[:120])
    cells = lines[where].split(",")
    cells[COLUMN[column]] = value
    lines[where] = ",".join(cells)
    expected_rows, expected_rejected = row_by_row(parser, 2, lines)
    rows, rejected, read = by_block(parser, 2, lines)
    assert rows == expected_rows
    assert sorted(map(repr, rejected)) == sorted(map(repr, expected_rejected))
    assert read == len(lines)


@pytest.mark.parametrize("column", ["nik", "no_kk"])
def test_a_block_where_every_row_needs_the_careful_path_matches_the_row_parser(
    clean: tuple[DtsenRowParser, list[str]], column: str
) -> None:
    """Excel saved every NIK (or KK) as `3275…0012.0`: no row passes the block check, all are recovered."""
    parser, lines = clean
    damaged = []
    for line in lines[:120]:
        cells = line.split(",")
        cells[COLUMN[column]] += ".0"
        damaged.append(",".join(cells))
    expected_rows, expected_rejected = row_by_row(parser, 2, damaged)
    rows, rejected, read = by_block(parser, 2, damaged)
    assert len(expected_rows) == 120
    assert rows == expected_rows
    assert rejected == expected_rejected
    assert read == len(damaged)


@pytest.mark.parametrize(
    "change",
    ["too_few", "too_many", "too_many_empty", "blank", "spaces_only", "no_final_newline"],
)
def test_row_shape_problems_match_the_row_parser(clean: tuple[DtsenRowParser, list[str]], change: str) -> None:
    parser, lines = clean
    lines = list(lines[:60])
    if change == "too_few":
        lines[10] = ",".join(lines[10].split(",")[:7])
    elif change == "too_many":
        lines[10] += ",extra"
    elif change == "too_many_empty":
        lines[10] += ",,"
    elif change == "blank":
        lines.insert(10, "")
    elif change == "spaces_only":
        lines.insert(10, "   ")
    expected_rows, expected_rejected = row_by_row(parser, 2, lines)
    text = "\n".join(lines) + ("" if change == "no_final_newline" else "\n")
    rows, rejected, read = parser.parse_block(2, text, ",")
    assert sorted(rows, key=lambda row: row[0]) == expected_rows
    assert sorted(map(repr, rejected)) == sorted(map(repr, expected_rejected))
    assert read == sum(1 for line in lines if line.strip())


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_reordered_columns_and_other_delimiters_match_the_row_parser(
    clean: tuple[DtsenRowParser, list[str]], delimiter: str
) -> None:
    from sigap_core.importers.readers import check_header

    _, lines = clean
    order = list(reversed(DTSEN_COLUMNS))
    header = check_header(order, DTSEN_COLUMNS)
    parser = DtsenRowParser(header, Hasher(TEST_SECRET.encode()), load_wilayah())
    moved = [delimiter.join(reversed(line.split(","))) for line in lines[:80]]
    cells = moved[5].split(delimiter)
    cells[order.index("no_hp")] = "+62 812 3456 7890"  # dirt in a moved column
    moved[5] = delimiter.join(cells)
    expected_rows, expected_rejected = [], []
    for number, line in enumerate(moved, 2):
        try:
            expected_rows.append(parser.parse(number, line.split(delimiter)))  # type: ignore[arg-type]
        except RowProblem as problem:
            expected_rejected.append((number, problem.reason, problem.params))
    parser.warnings = []
    rows, rejected, read = parser.parse_block(2, "\n".join(moved) + "\n", delimiter)
    assert sorted(rows, key=lambda row: row[0]) == expected_rows
    assert rejected == expected_rejected
    assert read == len(moved)
