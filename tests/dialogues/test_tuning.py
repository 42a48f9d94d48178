"""The tuning dialogue set (tests/dialogues/tuning.toml) as tests: one per dialogue, named by its id.

One database with the sample registry is shared by the set; every dialogue is a fresh user. The set is
played once per test run (under pytest-xdist, by whichever worker comes first; the other reads the
outcomes), not once per worker that runs some of its tests.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import built_once
from tests.dialogues.runner import SETS, DialogueRunner, load_set

DIALOGUES = load_set(SETS["tuning"])


@pytest.fixture(scope="module")
def played(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Every dialogue played once, in file order, on one loop and one database: id → failures."""

    async def play(directory: Path) -> dict[str, list[str]]:
        runner = await DialogueRunner.start(directory)
        try:
            return {d["id"]: (await runner.run(d)).failures for d in DIALOGUES}
        finally:
            await runner.close()

    def build(directory: Path) -> None:
        (directory / "played.json").write_text(json.dumps(asyncio.run(play(directory))))

    directory = built_once(pytestconfig, tmp_path_factory, "dialogues-played", build)
    outcomes: dict[str, list[str]] = json.loads((directory / "played.json").read_text())
    return outcomes


def test_the_set_is_large_and_covers_every_state_with_an_escape() -> None:
    ids = [d["id"] for d in DIALOGUES]
    assert len(ids) >= 150
    for state in ("idle", "consent", "nik", "kk4", "kelurahan", "erase", "keep"):
        assert any(i.startswith(f"escape-{state}-") for i in ids), state
    for step in ("target", "text", "audience", "when", "confirm"):
        assert any(i.startswith("staff-batal-") and i.endswith(step) for i in ids), step


# The first dialogue's test plays the whole set (the fixture); marked long, it runs first on its worker, so
# the other worker's share of the set reads the outcomes instead of waiting for them at the end.
@pytest.mark.parametrize(
    "dialogue",
    [pytest.param(d, id=d["id"], marks=[pytest.mark.long(6)] if n == 0 else []) for n, d in enumerate(DIALOGUES)],
)
def test_dialogue(played: dict[str, list[str]], dialogue: dict[str, Any]) -> None:
    failures = played[dialogue["id"]]
    assert not failures, f"{dialogue['about']}:\n" + "\n".join(failures)
