"""The tuning dialogue set (tests/dialogues/tuning.toml) as tests: one per dialogue, named by its id.

One database with the sample registry is shared by the module; every dialogue is a fresh user.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.dialogues.runner import SETS, DialogueRunner, load_set

DIALOGUES = load_set(SETS["tuning"])


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[str]]]:
    """Every dialogue played once, in file order, on one loop and one database: id → failures."""

    async def play(directory: Path) -> dict[str, list[str]]:
        runner = await DialogueRunner.start(directory)
        try:
            return {d["id"]: (await runner.run(d)).failures for d in DIALOGUES}
        finally:
            await runner.close()

    yield asyncio.run(play(tmp_path_factory.mktemp("dialogues")))


def test_the_set_is_large_and_covers_every_state_with_an_escape() -> None:
    ids = [d["id"] for d in DIALOGUES]
    assert len(ids) >= 150
    for state in ("idle", "consent", "nik", "kk4", "kelurahan", "erase", "keep"):
        assert any(i.startswith(f"escape-{state}-") for i in ids), state
    for step in ("target", "text", "audience", "when", "confirm"):
        assert any(i.startswith("staff-batal-") and i.endswith(step) for i in ids), step


@pytest.mark.parametrize("dialogue", DIALOGUES, ids=[d["id"] for d in DIALOGUES])
def test_dialogue(played: dict[str, list[str]], dialogue: dict[str, Any]) -> None:
    failures = played[dialogue["id"]]
    assert not failures, f"{dialogue['about']}:\n" + "\n".join(failures)
