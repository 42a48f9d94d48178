"""Benchmark: what the ticket conversations add to a free-text turn with nothing pending (issue #15).

    .venv/bin/python bench/ticket_turn.py [--chats 300] [--rounds 3]

In-process, the sample registry on SQLite (the dialogue runner's app). Each round, fresh chats say "halo"
then "hmm gimana ya"; the second turn is timed with the engine as it is, and with the ticket follow-up check
switched off. Median and p95 in ms per round. A timing figure for bench/README.md, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers.engine import Conversations  # noqa: E402
from handlers.flows import tickets  # noqa: E402
from handlers.model import InMessage, Kind  # noqa: E402
from tests.dialogues.runner import DialogueRunner  # noqa: E402


async def timed(bot: Conversations, chats: int, label: str) -> tuple[float, float]:
    times = []
    for n in range(chats):
        user = f"{label}-{n}"
        await bot.handle(InMessage("console", user, Kind.TEXT, text="halo"))
        started = time.perf_counter()
        await bot.handle(InMessage("console", user, Kind.TEXT, text="hmm gimana ya"))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


async def main(chats: int, rounds: int) -> None:
    async def off(turn: Any, said: Any) -> None:
        return None

    with_check: Callable[..., Awaitable[Any]] = tickets.follow_up
    with tempfile.TemporaryDirectory() as directory:
        runner = await DialogueRunner.start(Path(directory))
        try:
            for n in range(rounds):
                for label, check in (("with", with_check), ("without", off)):
                    tickets.follow_up = check  # type: ignore[assignment]
                    median, p95 = await timed(runner.bot, chats, f"{label}{n}")
                    print(f"round {n + 1} {label:7} the check: median {median:.2f} ms, p95 {p95:.2f} ms")
        finally:
            tickets.follow_up = with_check  # type: ignore[assignment]
            await runner.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.chats, args.rounds))
