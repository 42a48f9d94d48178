"""Progress on a terminal for long CLI work (click's progress bar); nothing when piped or quiet."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click


@contextmanager
def terminal_progress(label: str, *, quiet: bool = False) -> Iterator[Callable[[int, int], None] | None]:
    """A `(done, total)` callback that draws a bar on stderr, or None when stderr is not a terminal or
    `quiet` is set (then nothing is drawn at all, so piped output and logs stay clean)."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    bar: Any = None
    shown = 0

    def update(done: int, total: int) -> None:
        nonlocal bar, shown
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr, show_eta=True)
            bar.__enter__()
        if done > shown:
            bar.update(done - shown)
            shown = done

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
