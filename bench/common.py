"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import csv
import json
import math
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


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (`fraction` 0.99 for p99)."""
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]


def write_figures(name: str, figures: dict[str, object]) -> None:
    """bench/out/NAME.json, and the same JSON on standard output."""
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures, indent=1))
