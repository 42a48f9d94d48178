"""Parse large CSV extracts on worker processes.

The main process finds chunk boundaries at line ends (never inside a quoted field) and hands out byte
ranges; each worker reads its range from the file itself, decodes, parses, validates and hashes it, and on
SQLite inserts the rows into the staging table; the main process consumes the results (counts, rejected
rows) in file order. Memory stays flat: only a few chunks are in flight at once.
"""

from __future__ import annotations

import csv
import gc
import io
import multiprocessing
import os
import select
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigap_core.crypto import Hasher
from sigap_core.importers.fields import RowProblem
from sigap_core.importers.readers import Header
from sigap_core.importers.rows import DtsenRowParser, PesertaRowParser, warm_up
from sigap_core.wilayah import load_wilayah

CHUNK_BYTES = 1 << 20
PARALLEL_MIN_BYTES = 8 << 20  # below this, starting workers costs more than it saves


@dataclass
class ChunkResult:
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    rejected: list[tuple[int, str, dict[str, object]]] = field(default_factory=list)
    warnings: list[tuple[int, str, dict[str, object]]] = field(default_factory=list)
    read: int = 0
    inserted: int = 0  # rows the worker wrote to the staging table itself
    error: str | None = None


@dataclass(frozen=True)
class ChunkJob:
    kind: str
    path: str
    key: bytes
    header: Header
    encoding: str
    delimiter: str
    # SQLite only: workers insert their rows into this staging table themselves (SQLite serialises the
    # writes while parsing goes on in parallel), instead of shipping every row back to the main process.
    sqlite_path: str | None = None
    stage_columns: int = 0
    owner_pid: int = field(default_factory=os.getpid)  # the import process: workers end with it


_parser: DtsenRowParser | PesertaRowParser | None = None
_job: ChunkJob | None = None
_db: sqlite3.Connection | None = None
_fd: int | None = None


OWNER_VARIABLE = "SIGAP_IMPORT_OWNER_PID"  # the import process, as the fork server learns it


def exit_with(pid: int) -> None:
    """End this process as soon as process `pid` has ended, however it ended (kill -9 included).

    Neither the fork server nor the pool's workers notice on their own that the `sigap import` process
    died: the fork server lives while any worker does, and a worker waits for tasks on a pipe whose
    other end it holds itself. So both watch the import process (by pid, given to them: a parent may
    already be gone when a helper starts), and the resource tracker ends when the last of them has."""
    try:
        handle = os.pidfd_open(pid)  # Linux >= 5.3: readable once the process has ended
    except ProcessLookupError:
        os._exit(70)
    except (AttributeError, OSError):
        handle = None

    def watch() -> None:
        if handle is not None:
            select.select([handle], [], [])
        else:
            with suppress(OSError):
                while True:
                    os.kill(pid, 0)
                    time.sleep(0.5)
        os._exit(70)

    threading.Thread(target=watch, name=f"exit-with-{pid}", daemon=True).start()


def _init_worker(job: ChunkJob) -> None:
    global _parser, _job, _db, _fd
    exit_with(job.owner_pid)
    gc.disable()  # short-lived lists of tuples: reference counting frees them, the cyclic GC only slows
    _job = job
    _fd = os.open(job.path, os.O_RDONLY)
    if job.sqlite_path:
        _db = sqlite3.connect(job.sqlite_path, timeout=60, isolation_level=None)
        _db.execute("PRAGMA busy_timeout=60000")
        _db.execute("PRAGMA synchronous=NORMAL")
    hasher = Hasher(job.key)
    warm_up()  # normally already built in the forkserver (see preload.py): then this costs nothing
    _parser = (
        DtsenRowParser(job.header, hasher, load_wilayah())
        if job.kind == "dtsen"
        else PesertaRowParser(job.header, hasher)
    )


def _ready() -> None:
    """A no-op task: submitting one per worker starts the workers."""


def parse_chunk(stage_table: str | None, first_line: int, offset: int, length: int) -> ChunkResult:
    assert _fd is not None
    raw = os.pread(_fd, length, offset)
    if len(raw) != length:
        return ChunkResult(error=f"the file changed while it was being imported (near line {first_line})")
    result = _parse_chunk(first_line, raw)
    if _db is not None and _job is not None and stage_table and result.rows and not result.error:
        placeholders = ", ".join("?" * _job.stage_columns)
        _db.execute("BEGIN IMMEDIATE")
        try:
            _db.executemany(f"INSERT INTO {stage_table} VALUES ({placeholders})", result.rows)
            _db.execute("COMMIT")
        except BaseException:
            _db.execute("ROLLBACK")
            raise
        result.inserted = len(result.rows)
        result.rows = []
    return result


def _parse_chunk(first_line: int, raw: bytes) -> ChunkResult:
    assert _parser is not None and _job is not None
    result = ChunkResult()
    try:
        text = raw.decode(_job.encoding)
    except UnicodeDecodeError as error:
        bad_line = first_line + raw.count(b"\n", 0, error.start)
        result.error = f"undecodable bytes on line {bad_line} ({error.reason}); the file looks damaged"
        return result
    if '"' not in text and isinstance(_parser, DtsenRowParser):
        # No quoting anywhere: one physical line is one row, and whole columns can be checked at once.
        rows, result.rejected, result.read = _parser.parse_block(first_line, text.replace("\r\n", "\n"), _job.delimiter)
        result.rows = list(rows)
        result.warnings = _parser.warnings
        _parser.warnings = []
        return result
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_job.delimiter)
    parse = _parser.parse
    rows = result.rows
    line = first_line
    try:
        for cells in reader:
            start = line
            line = first_line + reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            result.read += 1
            try:
                rows.append(parse(start, cells))  # type: ignore[arg-type]
            except RowProblem as problem:
                result.rejected.append((start, problem.reason, problem.params))
    except csv.Error as error:
        result.error = f"CSV structure broken near line {line}: {error}"
    if isinstance(_parser, DtsenRowParser):
        result.warnings = _parser.warnings
        _parser.warnings = []
    return result


def chunk_spans(
    path: Path, body_offset: int, first_line: int, size: int | None = None
) -> Iterator[tuple[int, int, int]]:
    """(first line number, byte offset, length) of pieces that end at a line end outside quotes."""
    size = size or CHUNK_BYTES
    with path.open("rb") as handle:
        handle.seek(body_offset)
        carry = b""
        offset = body_offset
        line = first_line
        while True:
            block = handle.read(size)
            data = carry + block
            if not block:
                if data.strip():
                    yield line, offset, len(data)
                return
            cut = data.rfind(b"\n")
            # An odd number of quotes before the cut means the cut is inside a quoted field: go back.
            # (Most extracts have no quotes at all: `find` is a fast scan, counting is not.)
            while cut != -1 and data.find(b'"', 0, cut) != -1 and data.count(b'"', 0, cut) % 2:
                cut = data.rfind(b"\n", 0, cut)
            if cut == -1:
                carry = data
                continue
            yield line, offset, cut + 1
            line += data.count(b"\n", 0, cut + 1)
            offset += cut + 1
            carry = data[cut + 1 :]


def wants_workers(path: Path) -> bool:
    """Whether an import of this file is parsed on worker processes by default (a CSV over 8 MiB)."""
    return path.suffix.lower() == ".csv" and path.stat().st_size >= PARALLEL_MIN_BYTES


def _context() -> Any:
    """The workers' start method: a fork server that has imported the parser and built its tables
    (preload.py) before it forks each worker."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sigap_core.importers.preload"])
    os.environ[OWNER_VARIABLE] = str(os.getpid())  # inherited by the fork server when it starts
    return context


def warm_up_fork_server() -> None:
    """Start the fork server now (≈ 0.25 s), so that the workers fork from it at once later. Safe to call
    from a thread."""
    _context()
    from multiprocessing import forkserver

    forkserver.ensure_running()


def start_pool(job: ChunkJob) -> Executor:
    """A worker per core (at most 4), started now: they boot while the main process does its own work."""
    workers = max(1, min(4, os.cpu_count() or 1))
    context = _context()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(job,))
    for _ in range(workers):
        pool.submit(_ready)
    return pool
