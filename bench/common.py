"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import csv
import random
from pathlib import Path


def sample_pairs(csv_path: Path, every: int, count: int, seed: int) -> list[tuple[str, str]]:
    """(NIK, last 4 KK digits) of every `every`-th person of a dtsen.csv, shuffled, at most `count`."""
    pairs = []
    with csv_path.open() as handle:
        reader = csv.reader(handle)
        next(reader)
        for index, row in enumerate(reader):
            if index % every == 0:
                pairs.append((row[0], row[1][-4:]))
    random.Random(seed).shuffle(pairs)
    return pairs[:count]
