"""Writing Excel workbooks all at once or not at all, byte for byte the same for the same content."""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook

PARTIAL_SUFFIX = ".partial"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def save_workbook_atomically(workbook: Workbook, out: Path, stamp: datetime) -> None:
    """Save to a hidden temporary file next to `out`, then rename it into place.

    An interruption (Ctrl-C, SIGTERM, a full disk, an error half-way) leaves no file at `out` — the old
    one, if any, stays whole. The document's dates are `stamp` and every zip entry carries one fixed time,
    so the same content always gives the same bytes.
    """
    from openpyxl.xml.functions import tostring

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(out)
    naive = stamp.replace(tzinfo=None, microsecond=0)
    workbook.properties.created = naive
    workbook.properties.creator = "SIGAP"
    descriptor, first = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=PARTIAL_SUFFIX)
    os.close(descriptor)
    descriptor, second = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=PARTIAL_SUFFIX)
    os.close(descriptor)
    try:
        workbook.save(first)
        workbook.properties.modified = naive  # openpyxl stamps the save time: put ours back
        core = tostring(workbook.properties.to_tree())
        with zipfile.ZipFile(first) as source, zipfile.ZipFile(second, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                data = core if info.filename == "docProps/core.xml" else source.read(info.filename)
                entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o600 << 16
                target.writestr(entry, data)
        with open(second, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(second, out)
    finally:
        for path in (first, second):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


def remove_stale_partials(out: Path) -> None:
    """Temporary files a killed export (SIGKILL, power loss) could not remove."""
    for stale in out.parent.glob(f".{out.name}.*{PARTIAL_SUFFIX}"):
        with contextlib.suppress(OSError):
            stale.unlink()
