"""Streaming row sources for registry extracts: CSV (BOM, `,` `;` or tab) and XLSX (read-only, row by row)."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sigap_core.policy import ImportLimits

# One registry row never needs more; a larger field means the file is not what we think it is.
csv.field_size_limit(1 << 20)

Cell = str | int | float | date | datetime | None


class FileUnreadable(Exception):
    """The file as a whole cannot be used: nothing may be changed."""


@dataclass(frozen=True)
class Header:
    columns: list[str]
    positions: dict[str, int]


def _normalise_header(names: list[Any]) -> list[str]:
    return [str(name or "").strip().strip('"').strip("\ufeff").strip().lower() for name in names]


def check_header(found: list[Any], expected: tuple[str, ...]) -> Header:
    columns = _normalise_header(found)
    while columns and columns[-1] == "":  # trailing empty columns from spreadsheets
        columns.pop()
    missing = [name for name in expected if name not in columns]
    unknown = [name for name in columns if name not in expected]
    duplicated = sorted({name for name in columns if columns.count(name) > 1})
    if missing or unknown or duplicated:
        parts = []
        if missing:
            parts.append("missing column(s): " + ", ".join(missing))
        if unknown:
            parts.append("unexpected column(s): " + ", ".join(repr(u) for u in unknown))
        if duplicated:
            parts.append("repeated column(s): " + ", ".join(duplicated))
        raise FileUnreadable("wrong header — " + "; ".join(parts) + ". Expected exactly: " + ",".join(expected))
    return Header(columns, {name: columns.index(name) for name in expected})


def _sniff_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if error.start < len(head) - 4:
            return "cp1252"
    return "utf-8"


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    return max(counts, key=lambda d: counts[d])


class CsvSource:
    """Yields (line number, cells) lazily; memory stays flat in the size of the file."""

    def __init__(self, path: Path, expected: tuple[str, ...]) -> None:
        self.path = path
        try:
            self._raw = path.open("rb")
        except OSError as error:
            raise FileUnreadable(f"cannot open {path}: {error.strerror}") from error
        head = self._raw.read(65536)
        if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise FileUnreadable(f"{path.name} is not a text (CSV) file")
        self.encoding = _sniff_encoding(head)
        # Where the rows start, in bytes: worker processes read the body in byte chunks.
        newline = head.find(b"\n")
        self.body_offset: int | None = (
            newline + 1 if newline != -1 and self.encoding in ("utf-8", "utf-8-sig", "cp1252") else None
        )
        self._raw.seek(0)
        self._text = io.TextIOWrapper(self._raw, encoding=self.encoding, newline="")
        try:
            first = self._text.readline()
        except UnicodeDecodeError as error:
            raise FileUnreadable(f"{path.name}: cannot decode the header ({error.reason})") from error
        if not first.strip():
            raise FileUnreadable(f"{path.name} is empty")
        self.delimiter = _sniff_delimiter(first)
        header_cells = next(csv.reader([first], delimiter=self.delimiter))
        self.header = check_header(header_cells, expected)
        self._size = path.stat().st_size

    def position(self) -> tuple[int, int]:
        """(bytes read, bytes in the file), for progress."""
        return min(self._raw.tell(), self._size), self._size

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(self._text, delimiter=self.delimiter)
        line = 1
        try:
            for cells in reader:
                # csv counts physical lines; report where the row starts.
                start = line + 1
                line = reader.line_num + 1
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                yield start, cells
        except UnicodeDecodeError as error:
            raise FileUnreadable(
                f"{self.path.name}: undecodable bytes after line {line} ({error.reason}); the file looks damaged"
            ) from error
        except csv.Error as error:
            raise FileUnreadable(f"{self.path.name}: CSV structure broken near line {line}: {error}") from error

    def close(self) -> None:
        self._text.close()


class XlsxSource:
    """First worksheet of an .xlsx, streamed row by row after `check_workbook` passed it.

    python-calamine-plus reads the sheet lazily in Rust (~100k rows/s, flat memory); openpyxl's read-only
    mode (~5k rows/s) is the fallback when it is not installed (bench/README.md has the figures)."""

    def __init__(self, path: Path, expected: tuple[str, ...], limits: ImportLimits | None = None) -> None:
        from sigap_core.importers.workbook import check_workbook

        self.path = path
        self._rows = check_workbook(path, limits or ImportLimits()).rows
        self._line = 1
        self._close: Any = None
        try:
            self._iter = self._calamine_rows(path)
        except ImportError:
            self._iter = self._openpyxl_rows(path)
        try:
            first = next(self._iter)
        except StopIteration as error:
            raise FileUnreadable(f"{path.name} is empty") from error
        except FileUnreadable:
            raise
        except Exception as error:  # the readers raise assorted errors on damaged XML
            raise FileUnreadable(f"{path.name}: damaged worksheet ({error})") from error
        self.header = check_header(list(first), expected)

    def _calamine_rows(self, path: Path) -> Iterator[list[Any]]:
        from python_calamine_plus import CalamineError, CalamineWorkbook

        try:
            book = CalamineWorkbook.from_path(str(path))
            stream = book.stream_sheet_by_index(0)
        except (CalamineError, OSError, ValueError) as error:
            raise FileUnreadable(f"cannot read {path.name} as an XLSX workbook: {error}") from error
        self._close = book.close
        return iter(stream)  # one list per sheet row, from row 1, missing cells as ""

    def _openpyxl_rows(self, path: Path) -> Iterator[Any]:
        import zipfile

        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except (OSError, zipfile.BadZipFile, KeyError, ValueError) as error:
            raise FileUnreadable(f"cannot read {path.name} as an XLSX workbook: {error}") from error
        self._close = book.close
        return book.worksheets[0].iter_rows(values_only=True)  # type: ignore[no-any-return]

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        try:
            for values in self._iter:
                self._line += 1
                if type(values) is list and values.count("") == len(values):
                    continue  # an empty sheet row as calamine gives it (counted in C)
                first = values[0] if values else None
                # Most rows start with a NIK: only a row that does not needs the whole look.
                if (first is None or first == "" or (type(first) is str and first.isspace())) and all(
                    v is None or (isinstance(v, str) and not v.strip()) for v in values
                ):
                    continue
                yield self._line, values if type(values) is list else list(values)
        except Exception as error:
            raise FileUnreadable(f"{self.path.name}: damaged worksheet after row {self._line} ({error})") from error

    def position(self) -> tuple[int, int]:
        """(rows read, rows in the sheet), for progress."""
        return min(self._line, self._rows), self._rows

    def close(self) -> None:
        if self._close is not None:
            self._close()


def open_source(path: Path, expected: tuple[str, ...], limits: ImportLimits | None = None) -> CsvSource | XlsxSource:
    if not path.exists():
        raise FileUnreadable(f"{path} does not exist")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return XlsxSource(path, expected, limits)
    return CsvSource(path, expected)
