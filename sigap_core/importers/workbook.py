"""Checking an .xlsx workbook against the import limits before any reader unpacks it.

A workbook is a zip of XML parts: a few megabytes can unpack to gigabytes (whitespace, one huge cell, a
million rows). The parts a reader will load — the first worksheet and the shared-strings table — are
checked here: their unpacked sizes from the zip directory first, then one streaming pass that decompresses
them a chunk at a time (memory stays at a few MiB) and refuses a run of text or a tag longer than the cell
limit, and a sheet with more rows than the row limit. The pass also verifies each part's checksum, so a
part cannot hold more than the directory says.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from sigap_core.importers.readers import FileUnreadable
from sigap_core.policy import ImportLimits

MIB = 1 << 20
_SMALL_PART = 16 * MIB  # workbook.xml and its relationships: parsed whole, so kept small
_CHUNK = 1 << 20
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass(frozen=True)
class WorkbookFacts:
    sheet_part: str
    rows: int  # <row> elements in the first sheet (empty ones included)
    unpacked_bytes: int


def check_workbook(path: Path, limits: ImportLimits) -> WorkbookFacts:
    """Raise FileUnreadable, with the limit's policy key, when the workbook exceeds a limit."""
    try:
        book = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise FileUnreadable(f"cannot read {path.name} as an XLSX workbook: {error}") from error
    with book:
        unpacked = sum(info.file_size for info in book.infolist())
        if unpacked > limits.xlsx_max_uncompressed_mib * MIB:
            raise FileUnreadable(
                f"{path.name} unpacks to {unpacked / MIB:,.0f} MiB, over the limit of "
                f"{limits.xlsx_max_uncompressed_mib:,} MiB (policy imports.xlsx_max_uncompressed_mib)"
            )
        sheet = _first_sheet_part(book, path)
        shared = book.NameToInfo.get("xl/sharedStrings.xml")
        if shared is not None:
            if shared.file_size > limits.xlsx_max_shared_strings_mib * MIB:
                raise FileUnreadable(
                    f"{path.name}: its table of texts unpacks to {shared.file_size / MIB:,.0f} MiB, over the "
                    f"limit of {limits.xlsx_max_shared_strings_mib:,} MiB "
                    "(policy imports.xlsx_max_shared_strings_mib)"
                )
            _scan(book, shared.filename, path, limits)
        rows = _scan(book, sheet, path, limits)
    if rows > limits.xlsx_max_rows:
        raise FileUnreadable(
            f"{path.name}: the sheet has {rows:,} rows, over the limit of {limits.xlsx_max_rows:,} "
            "(policy imports.xlsx_max_rows)"
        )
    return WorkbookFacts(sheet, rows, unpacked)


def _first_sheet_part(book: zipfile.ZipFile, path: Path) -> str:
    """The zip member of the workbook's first sheet (the one the readers import)."""
    try:
        workbook = ElementTree.fromstring(_small(book, "xl/workbook.xml"))
        relationships = ElementTree.fromstring(_small(book, "xl/_rels/workbook.xml.rels"))
        first = next(element for element in workbook.iter() if element.tag.endswith("}sheet"))
        wanted = first.get(_RELATIONSHIP_ID)
        target = next(element.get("Target", "") for element in relationships.iter() if element.get("Id") == wanted)
    except (KeyError, StopIteration, ElementTree.ParseError, zipfile.BadZipFile) as error:
        raise FileUnreadable(f"{path.name}: not a usable XLSX workbook (no first sheet found)") from error
    part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    if part not in book.NameToInfo:
        raise FileUnreadable(f"{path.name}: not a usable XLSX workbook (its first sheet is missing)")
    return part


def _small(book: zipfile.ZipFile, name: str) -> bytes:
    info = book.getinfo(name)
    if info.file_size > _SMALL_PART:
        raise KeyError(name)
    return book.read(info)


def _scan(book: zipfile.ZipFile, part: str, path: Path, limits: ImportLimits) -> int:
    """Stream one part; refuse an over-long run between two '<'. Returns how many <row> elements it has.

    Chunks are no longer than the limit, so a run over the limit always spans a chunk boundary: only the
    distance from the last '<' of the chunks before to the first '<' of the next needs checking (two C-level
    searches per chunk)."""
    longest = limits.xlsx_max_cell_kib * 1024
    size = min(_CHUNK, longest)
    rows = 0
    offset = 0
    last_open = 0  # where the last '<' was
    tail = b""  # the chunk before's last bytes: a "<row" may straddle two chunks
    row_tag = b"<row"  # ("<rowBreaks" counts once too: harmless for a limit)
    try:
        with book.open(part) as stream:
            while chunk := stream.read(size):
                first = chunk.find(b"<")
                if (offset + (first if first != -1 else len(chunk))) - last_open > longest:
                    raise FileUnreadable(
                        f"{path.name}: a cell or tag in {part} is longer than {limits.xlsx_max_cell_kib:,} KiB "
                        "(policy imports.xlsx_max_cell_kib); the file is not a registry extract"
                    )
                if first != -1:
                    last_open = offset + chunk.rfind(b"<")
                if not offset and b"<sheetData" not in chunk and b":sheetData" in chunk:
                    row_tag = b":row"  # a writer that prefixes the namespace (<x:row>)
                rows += (tail + chunk).count(row_tag)
                tail = chunk[-3:]
                offset += len(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise FileUnreadable(f"{path.name}: damaged workbook ({error})") from error
    return rows
