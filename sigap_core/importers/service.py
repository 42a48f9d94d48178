"""`sigap import dtsen|peserta`: stream, validate, hash, load into a staging table, swap atomically.

The current snapshot is never touched until the new one is complete: rows go into a fresh staging table
(no indexes while loading), duplicates are resolved there, its index is built, and one short transaction
drops the old table and renames the staging table into place. A file that breaks half-way, a file whose
last line is cut mid-row, a crash, a file with no usable row, or a snapshot that would remove more than
the policy's share of the current one (without `force`) leaves the old snapshot exactly as it was.
"""

from __future__ import annotations

import asyncio
import csv
import gc
import hashlib
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sigap_core.crypto import Hasher
from sigap_core.importers.fields import RowProblem
from sigap_core.importers.housekeeping import ImportBusy, import_lock, sweep_kind
from sigap_core.importers.parallel import (
    ChunkJob,
    ChunkResult,
    chunk_spans,
    parse_chunk,
    start_pool,
    wants_workers,
)
from sigap_core.importers.readers import CsvSource, FileUnreadable, XlsxSource, open_source
from sigap_core.importers.reasons import describe
from sigap_core.importers.rows import (
    DTSEN_COLUMNS,
    PESERTA_COLUMNS,
    DtsenRowParser,
    PesertaRowParser,
)
from sigap_core.policy import ImportLimits
from sigap_core.store.models import ImportRun, Participation, RegistryPerson
from sigap_core.wilayah import Wilayah

log = logging.getLogger(__name__)

BATCH_ROWS = 5000
COMMIT_EVERY_ROWS = 50_000  # lets chat writers in between batches on SQLite


class ImportFailed(Exception):
    """Nothing was changed; the message says why."""


class SnapshotShrinks(FileUnreadable):
    """The new snapshot would remove more of the current one than the policy allows."""


# (work done, work in all) in the source's own unit (bytes of a CSV, rows of a workbook).
Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    kind: str
    run_id: int | None
    rows_read: int = 0
    rows_imported: int = 0
    rows_rejected: int = 0
    warnings: int = 0
    duplicates: int = 0
    report_path: Path | None = None
    unchanged: bool = False
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Kind:
    name: str
    model: Any
    columns: tuple[str, ...]
    # Columns that make two rows "the same record" inside one file.
    duplicate_key: tuple[str, ...]


KINDS = {
    "dtsen": _Kind("dtsen", RegistryPerson, DTSEN_COLUMNS, ("nik_hmac",)),
    "peserta": _Kind(
        "peserta",
        Participation,
        PESERTA_COLUMNS,
        ("nik_hmac", "skema", "program", "tanggal_mulai", "tanggal_akhir"),
    ),
}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _Report:
    """Rejected rows and warnings, written as they happen (line, action, reason, detail)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._handle = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(["line", "action", "reason", "detail"])
        self.reasons: dict[str, int] = {}

    def add(self, line: int, action: str, reason: str, params: dict[str, object]) -> None:
        self._writer.writerow([line, action, reason, describe(reason, params)])
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def close(self) -> None:
        self._handle.close()


def _staging_table(kind: _Kind, name: str) -> Table:
    source: Table = kind.model.__table__
    columns = [
        Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable, autoincrement=False)
        for c in source.columns
    ]
    return Table(name, MetaData(), *columns)


async def _insert(conn: AsyncConnection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.copy_records_to_table(table.name, records=rows, columns=[c.name for c in table.columns])
        return
    placeholders = ", ".join("?" for _ in table.columns)
    await conn.exec_driver_sql(f"INSERT INTO {table.name} VALUES ({placeholders})", list(rows))


async def import_file(
    engine: AsyncEngine,
    hasher: Hasher,
    wilayah: Wilayah,
    kind_name: str,
    path: Path,
    report_dir: Path,
    *,
    force: bool = False,
    parallel: bool | None = None,
    limits: ImportLimits | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one extract. `parallel`: parse on worker processes (default: for files over 8 MiB).
    `force`: reload an unchanged file, and accept a snapshot that shrinks past `limits.max_drop_share`."""
    kind = KINDS[kind_name]
    path = Path(path)
    limits = limits or ImportLimits()
    try:
        source = open_source(path, kind.columns, limits)
    except FileUnreadable as error:
        raise ImportFailed(str(error)) from error
    try:
        if isinstance(source, CsvSource):
            _refuse_a_cut_last_row(source, kind, hasher, wilayah)
        async with import_lock(engine, kind.name):
            await sweep_kind(engine, kind.name)  # what an import killed earlier left behind
            return await _import_locked(
                engine, hasher, wilayah, kind, source, report_dir, force, parallel, limits, progress
            )
    except ImportBusy as error:
        raise ImportFailed(f"another {kind.name} import is running: try again when it has finished") from error
    except FileUnreadable as error:
        raise ImportFailed(str(error)) from error
    finally:
        source.close()


async def _import_locked(
    engine: AsyncEngine,
    hasher: Hasher,
    wilayah: Wilayah,
    kind: _Kind,
    source: CsvSource | XlsxSource,
    report_dir: Path,
    force: bool,
    parallel: bool | None,
    limits: ImportLimits,
    progress: Progress | None,
) -> ImportResult:
    path = source.path
    # Worker processes (large CSV files) start first, from a thread, and boot while this process hashes
    # the file and prepares the staging table.
    job = _chunk_job(engine, kind, source, hasher, parallel)
    starting = asyncio.get_running_loop().run_in_executor(None, start_pool, job) if job is not None else None
    pool: Executor | None = None
    try:
        started = time.perf_counter()
        sha = file_sha256(path)
        log.info("import %s: file fingerprinted in %.2fs", kind.name, time.perf_counter() - started)
        async with engine.begin() as conn:
            active = (
                await conn.execute(
                    select(ImportRun.sha256).where(ImportRun.kind == kind.name, ImportRun.status == "active")
                )
            ).scalar_one_or_none()
            if active == sha and not force:
                return ImportResult(kind.name, None, unchanged=True)
            run_id = (
                await conn.execute(
                    insert(ImportRun)
                    .values(
                        kind=kind.name,
                        source_name=path.name[:255],
                        sha256=sha,
                        started_at=datetime.now(UTC),
                        rows_read=0,
                        rows_imported=0,
                        rows_rejected=0,
                        status="running",
                    )
                    .returning(ImportRun.id)
                )
            ).scalar_one()
        report = _Report(report_dir / f"import-{kind.name}-{run_id}-rejected.csv")
        result = ImportResult(kind.name, run_id, report_path=report.path)
        try:
            pool = await starting if starting is not None else None
            shrink = None if force else limits.max_drop_share
            await _load_and_swap(engine, kind, source, hasher, wilayah, run_id, report, result, pool, shrink, progress)
        except BaseException:
            report.close()
            async with engine.begin() as conn:
                await conn.execute(
                    update(ImportRun)
                    .where(ImportRun.id == run_id)
                    .values(status="failed", finished_at=datetime.now(UTC))
                )
            raise
        report.close()
        result.reasons = report.reasons
        return result
    finally:
        if starting is not None:
            with suppress(Exception):  # a pool that failed to start has nothing to shut down
                (await starting).shutdown(wait=True, cancel_futures=True)


def _refuse_a_cut_last_row(source: CsvSource, kind: _Kind, hasher: Hasher, wilayah: Wilayah) -> None:
    """A file that does not end with a line break and whose last row is short or invalid was cut off
    (a transfer that stopped, a disk that filled): it is a broken file, not a file with one bad row."""
    if source.encoding.startswith("utf-16"):
        return  # line ends are two bytes there; such exports are rare and small
    with source.path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - 65536))
        tail = handle.read()
    if not tail or tail.endswith((b"\n", b"\r")):
        return
    last = tail.rsplit(b"\n", 1)[-1]
    problem = None
    try:
        text_line = last.decode(source.encoding.replace("-sig", ""))
    except UnicodeDecodeError:
        problem = "undecodable"
    else:
        if text_line.count('"') % 2:
            problem = "inside a quoted field"
        else:
            cells = next(csv.reader([text_line], delimiter=source.delimiter), [])
            parser: DtsenRowParser | PesertaRowParser = (
                DtsenRowParser(source.header, hasher, wilayah)
                if kind.name == "dtsen"
                else PesertaRowParser(source.header, hasher)
            )
            if len(cells) < len(source.header.columns):
                problem = f"{len(cells)} of {len(source.header.columns)} columns"
            else:
                try:
                    parser.parse(0, cells)  # type: ignore[arg-type]
                except RowProblem as error:
                    problem = error.reason
                if isinstance(parser, DtsenRowParser) and parser.warnings:
                    problem = parser.warnings[0][1]
    if problem is not None:
        raise FileUnreadable(
            f"{source.path.name} ends in the middle of a row (the last line has no line break and is "
            f"incomplete: {problem}): the file looks cut off. Export or copy it again"
        )


def _chunk_job(engine: AsyncEngine, kind: _Kind, source: Any, hasher: Hasher, parallel: bool | None) -> ChunkJob | None:
    """What the worker processes need, when the file is parsed on them (a CSV with a known body offset;
    by default only over 8 MiB, where starting workers pays off)."""
    if not (isinstance(source, CsvSource) and source.body_offset is not None):
        return None
    if not (wants_workers(source.path) if parallel is None else parallel):
        return None
    return ChunkJob(
        kind.name,
        str(source.path),
        hasher.key,
        source.header,
        source.encoding.replace("-sig", ""),
        source.delimiter,
        sqlite_path=_sqlite_file(engine),
        stage_columns=len(kind.model.__table__.columns),
    )


async def _load_and_swap(
    engine: AsyncEngine,
    kind: _Kind,
    source: Any,
    hasher: Hasher,
    wilayah: Wilayah,
    run_id: int,
    report: _Report,
    result: ImportResult,
    pool: Executor | None,
    max_drop_share: float | None,
    progress: Progress | None,
) -> None:
    target: Table = kind.model.__table__
    stage = _staging_table(kind, f"{target.name}_stage_{run_id}")
    async with engine.begin() as conn:
        await conn.run_sync(stage.create)
    started = time.perf_counter()
    try:
        async with engine.connect() as conn:
            if pool is not None:
                await _stream_chunks(conn, stage, pool, source, report, result, progress)
            else:
                parser: DtsenRowParser | PesertaRowParser = (
                    DtsenRowParser(source.header, hasher, wilayah)
                    if kind.name == "dtsen"
                    else PesertaRowParser(source.header, hasher)
                )
                await _stream_rows(conn, stage, parser, source, report, result, progress)
            await conn.commit()
            log.info(
                "import %s: %d rows loaded in %.2fs",
                kind.name,
                result.rows_read,
                time.perf_counter() - started,
            )
            started = time.perf_counter()
            result.duplicates = await _index_and_drop_duplicates(
                conn, stage, kind, report, f"ix_{target.name}_nik_g{run_id}"
            )
            log.info("import %s: indexed and checked for duplicates in %.2fs", kind.name, time.perf_counter() - started)
            result.rows_imported -= result.duplicates
            result.rows_rejected += result.duplicates
            await conn.commit()
            if result.rows_imported == 0:
                raise FileUnreadable(
                    "no usable row in the file: the current data was kept (see the report for the reasons)"
                )
            if max_drop_share is not None:
                started = time.perf_counter()
                await _refuse_a_shrinking_snapshot(conn, kind, stage, max_drop_share)
                log.info(
                    "import %s: compared with the current snapshot in %.2fs", kind.name, time.perf_counter() - started
                )
        started = time.perf_counter()
        async with engine.begin() as conn:
            await conn.exec_driver_sql(f"DROP TABLE {target.name}")
            await conn.exec_driver_sql(f"ALTER TABLE {stage.name} RENAME TO {target.name}")
            await conn.execute(
                update(ImportRun)
                .where(ImportRun.kind == kind.name, ImportRun.status == "active")
                .values(status="superseded")
            )
            await conn.execute(
                update(ImportRun)
                .where(ImportRun.id == run_id)
                .values(
                    status="active",
                    finished_at=datetime.now(UTC),
                    rows_read=result.rows_read,
                    rows_imported=result.rows_imported,
                    rows_rejected=result.rows_rejected,
                    report_path=str(report.path),
                )
            )
        log.info("import %s: snapshot swapped in %.2fs", kind.name, time.perf_counter() - started)
        if engine.dialect.name == "postgresql":
            async with engine.connect() as conn:
                await conn.exec_driver_sql(f"ANALYZE {target.name}")
                await conn.commit()
    except BaseException:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(f"DROP TABLE IF EXISTS {stage.name}")
        raise


async def _refuse_a_shrinking_snapshot(conn: AsyncConnection, kind: _Kind, stage: Table, share: float) -> None:
    """SnapshotShrinks when more than `share` of the people in the current snapshot are not in the new one
    (counted by NIK digest, with the staging table's index)."""
    target = kind.model.__tablename__
    distinct = "COUNT(*)" if kind.duplicate_key == ("nik_hmac",) else "COUNT(DISTINCT nik_hmac)"
    current = int((await conn.exec_driver_sql(f"SELECT {distinct} FROM {target}")).scalar_one())
    if not current:
        return
    gone = int(
        (
            await conn.exec_driver_sql(
                f"SELECT {distinct.replace('nik_hmac', 't.nik_hmac')} FROM {target} t WHERE NOT EXISTS "
                f"(SELECT 1 FROM {stage.name} s WHERE s.nik_hmac = t.nik_hmac)"
            )
        ).scalar_one()
    )
    if gone > share * current:
        what = "people in the registry" if kind.name == "dtsen" else "people with participation records"
        raise SnapshotShrinks(
            f"the new {kind.name} snapshot would remove {gone:,} of the {current:,} {what} "
            f"({gone / current:.0%}), more than the policy allows ({share:.0%}, imports.max_drop_share). "
            "If the file is complete and this is intended, import it again with --force"
        )


async def _stream_rows(
    conn: AsyncConnection,
    stage: Table,
    parser: DtsenRowParser | PesertaRowParser,
    source: CsvSource | XlsxSource,
    report: _Report,
    result: ImportResult,
    progress: Progress | None,
) -> None:
    if isinstance(parser, DtsenRowParser) and isinstance(source, XlsxSource):
        await _stream_sheet_blocks(conn, stage, parser, source, report, result, progress)
        return
    batch: list[tuple[Any, ...]] = []
    since_commit = 0
    parse = parser.parse
    rows: Iterable[tuple[int, list[Any]]] = source.rows()
    for line, cells in rows:
        result.rows_read += 1
        try:
            row = parse(line, cells)
        except RowProblem as problem:
            report.add(line, "rejected", problem.reason, problem.params)
            result.rows_rejected += 1
            continue
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            await _insert(conn, stage, batch)
            since_commit += len(batch)
            result.rows_imported += len(batch)
            batch = []
            if progress is not None:
                progress(*source.position())
            if since_commit >= COMMIT_EVERY_ROWS:
                await conn.commit()
                since_commit = 0
    await _insert(conn, stage, batch)
    if progress is not None:
        progress(*source.position())
    result.rows_imported += len(batch)
    if isinstance(parser, DtsenRowParser):
        for line, reason, params in parser.warnings:
            report.add(line, "warning", reason, params)
        result.warnings = len(parser.warnings)


_SEPARATOR = "\x1f"  # the unit separator: never in a registry cell (a block that has one is parsed row by row)


_TEXT_AS_IS = frozenset((str, int, date))  # `str` of these is what every cleaner reads them as
_TEXT_OR_EMPTY = _TEXT_AS_IS | {type(None)}
_ONLY_TEXT = frozenset((str,))


def _as_text(cells: list[Any]) -> str | None:
    """A sheet row as the separator-joined line a CSV would hold, when that changes nothing the row parser
    decides: text as it is, whole numbers and dates as `str` gives them (every cleaner reads other cell
    types through `str`), an empty cell as "". None for a row with a fraction, a time or a true/false cell:
    it keeps its own cells. (Types are checked and cells joined in C: this runs once per row.)"""
    kinds = frozenset(map(type, cells))
    if kinds == _ONLY_TEXT:
        return _SEPARATOR.join(cells)
    if kinds <= _TEXT_AS_IS:
        return _SEPARATOR.join(map(str, cells))
    if kinds <= _TEXT_OR_EMPTY:
        return _SEPARATOR.join(["" if cell is None else str(cell) for cell in cells])
    return None


async def _stream_sheet_blocks(
    conn: AsyncConnection,
    stage: Table,
    parser: DtsenRowParser,
    source: XlsxSource,
    report: _Report,
    result: ImportResult,
    progress: Progress | None,
) -> None:
    """Sheet rows through the block parser (a column at a time, as for large CSV files): a block of rows
    becomes separator-joined text with a blank line for every skipped row, so line numbers stay the
    sheet's; a row that cannot be text without changing its meaning is parsed on its own."""
    since_commit = 0
    pending: list[tuple[int, list[Any]]] = []

    async def flush() -> None:
        nonlocal since_commit
        rows, rejected, read = _parse_sheet_block(parser, pending)
        result.rows_read += read
        for line, reason, params in rejected:
            report.add(line, "rejected", reason, params)
        result.rows_rejected += len(rejected)
        await _insert(conn, stage, rows)
        result.rows_imported += len(rows)
        since_commit += len(rows)
        if since_commit >= COMMIT_EVERY_ROWS:
            await conn.commit()
            since_commit = 0
        if progress is not None:
            progress(*source.position())

    for row in source.rows():
        pending.append(row)
        if len(pending) >= BATCH_ROWS:
            await flush()
            pending = []
    if pending:
        await flush()
    for line, reason, params in parser.warnings:
        report.add(line, "warning", reason, params)
    result.warnings = len(parser.warnings)


def _parse_sheet_block(
    parser: DtsenRowParser, pending: list[tuple[int, list[Any]]]
) -> tuple[list[Any], list[tuple[int, str, dict[str, object]]], int]:
    first = pending[0][0]
    width = len(parser.columns_in_file)
    lines: list[str] = []
    odd: list[tuple[int, list[Any]]] = []
    separators = 0
    append = lines.append
    for line, cells in pending:
        gap = line - first - len(lines)
        if gap:
            lines.extend([""] * gap)  # the skipped empty rows
        if len(cells) > width and all(cell is None or cell == "" for cell in cells[width:]):
            cells = cells[:width]  # the sheet is wider than the header somewhere, this row is not
        text = _as_text(cells)
        if text is None:
            odd.append((line, cells))
            append("")
        else:
            append(text)
            separators += len(cells) - 1
    body = "\n".join(lines) + "\n"
    if body.count("\n") == len(lines) and body.count(_SEPARATOR) == separators:
        rows, rejected, read = parser.parse_block(first, body, _SEPARATOR)
    else:  # a cell held the separator or a line break: joining would split it
        rows, rejected, read, odd = [], [], 0, pending
    for line, cells in odd:
        read += 1
        try:
            rows.append(parser.parse(line, cells))
        except RowProblem as problem:
            rejected.append((line, problem.reason, problem.params))
    return rows, rejected, read


def _sqlite_file(engine: AsyncEngine) -> str | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    return database if database and database != ":memory:" else None


async def _stream_chunks(
    conn: AsyncConnection,
    stage: Table,
    pool: Executor,
    source: CsvSource,
    report: _Report,
    result: ImportResult,
    progress: Progress | None,
) -> None:
    loop = asyncio.get_running_loop()
    size = source.path.stat().st_size
    # A million short-lived tuples arrive from the workers; reference counting frees them, and the
    # cyclic collector would only re-scan them (a third of the main process's time at 1M rows).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    in_flight: deque[asyncio.Future[ChunkResult]] = deque()
    since_commit = 0

    started = time.perf_counter()

    async def consume(future: asyncio.Future[ChunkResult]) -> None:
        nonlocal since_commit
        chunk = await future
        if not result.rows_read:
            log.info("import: first chunk back from the workers after %.2fs", time.perf_counter() - started)
        if chunk.error:
            raise FileUnreadable(f"{source.path.name}: {chunk.error}")
        result.rows_read += chunk.read
        for line, reason, params in chunk.rejected:
            report.add(line, "rejected", reason, params)
        for line, reason, params in chunk.warnings:
            report.add(line, "warning", reason, params)
        result.rows_rejected += len(chunk.rejected)
        result.warnings += len(chunk.warnings)
        await _insert(conn, stage, chunk.rows)
        result.rows_imported += len(chunk.rows) + chunk.inserted
        since_commit += len(chunk.rows)
        if since_commit >= COMMIT_EVERY_ROWS:
            await conn.commit()
            since_commit = 0
        if progress is not None:
            progress(ends.popleft(), size)

    ends: deque[int] = deque()
    try:
        assert source.body_offset is not None
        for first_line, offset, length in chunk_spans(source.path, source.body_offset, 2):
            in_flight.append(loop.run_in_executor(pool, parse_chunk, stage.name, first_line, offset, length))
            ends.append(offset + length)
            if len(in_flight) >= 4:
                await consume(in_flight.popleft())
        while in_flight:
            await consume(in_flight.popleft())
    finally:
        for future in in_flight:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        if gc_was_enabled:
            gc.enable()


async def _index_and_drop_duplicates(
    conn: AsyncConnection, stage: Table, kind: _Kind, report: _Report, index_name: str
) -> int:
    """Build the look-up index on nik_hmac and resolve duplicates; returns how many rows were dropped.

    When a record is keyed by the NIK alone (dtsen), the index is built UNIQUE first: a file without
    duplicates (the usual case) then needs no separate duplicate scan. If that fails, the plain index is
    built and the duplicates are found with it."""
    if conn.dialect.name == "sqlite":
        # Let SQLite's sorter use helper threads for the index build.
        await conn.exec_driver_sql(f"PRAGMA threads={min(4, os.cpu_count() or 1)}")
    if kind.duplicate_key == ("nik_hmac",):
        try:
            async with conn.begin_nested():
                await conn.exec_driver_sql(f"CREATE UNIQUE INDEX {index_name} ON {stage.name} (nik_hmac)")
            return 0
        except IntegrityError:
            pass  # duplicates: rolled back to the savepoint, nothing was built
    await conn.exec_driver_sql(f"CREATE INDEX {index_name} ON {stage.name} (nik_hmac)")
    return await _drop_duplicates(conn, stage, kind, report)


async def _drop_duplicates(conn: AsyncConnection, stage: Table, kind: _Kind, report: _Report) -> int:
    """Keep the first row of each duplicate group, reject the later ones with the line they repeat."""
    key = ", ".join(kind.duplicate_key)
    groups = await conn.execute(text(f"SELECT {key} FROM {stage.name} GROUP BY {key} HAVING COUNT(*) > 1"))
    dropped = 0
    for group in groups.fetchall():
        condition = " AND ".join(f"{column} = :k{i}" for i, column in enumerate(kind.duplicate_key))
        params = {f"k{i}": value for i, value in enumerate(group)}
        members = (
            await conn.execute(
                text(f"SELECT id, line FROM {stage.name} WHERE {condition} ORDER BY line"),
                params,
            )
        ).fetchall()
        first_line = members[0][1]
        for row_id, line in members[1:]:
            report.add(int(str(line)), "rejected", "duplicate_in_file", {"first_line": first_line})
            await conn.execute(text(f"DELETE FROM {stage.name} WHERE id = :id"), {"id": row_id})
            dropped += 1
    return dropped
