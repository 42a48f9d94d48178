"""Plays a dialogue set (tests/dialogues/FORMAT.md) through the channel-neutral engine.

    python -m tests.dialogues.runner --set-file tests/dialogues/tuning.toml            # failures in detail
    python -m tests.dialogues.runner --set-file PATH --summary                         # only "passed N/M"

One database holds the sample registry for the whole set; every dialogue is a fresh user.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from bot.bootstrap import App, bootstrap
from handlers.engine import Conversations
from handlers.model import (
    MAX_BUTTON_LABEL,
    MAX_BUTTONS,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_TITLE,
    MAX_ROWS,
    MAX_TEXT,
    InMessage,
    Kind,
    Reply,
)
from sigap_core import broadcasts
from sigap_core.config import Settings
from sigap_core.store import models
from tests.conftest import TEST_SECRET, TODAY, import_sample
from tests.integration.helpers import GOOD

HERE = Path(__file__).resolve().parent
SETS = {
    "tuning": HERE / "tuning.toml",
    "dev1": HERE / "dev1.toml",
    "dev2": HERE / "dev2.toml",
    "dev3": HERE / "dev3.toml",
    "heldout4": HERE / "heldout4.toml",
    "heldout5": HERE / "heldout5.toml",
    "heldout6": HERE / "heldout6.toml",
}
HELD_OUT = {name for name in SETS if name.startswith("heldout")}
TURN_KEYS = {"say", "press", "kind", "by", "any", "all", "none"}
DIALOGUE_KEYS = {"id", "about", "lang", "channel", "staff", "officer", "selection", "turn"}
KINDS = {
    "sticker": Kind.STICKER,
    "voice": Kind.AUDIO,
    "photo": Kind.IMAGE,
    "document": Kind.DOCUMENT,
    "location": Kind.LOCATION,
    "own_contact": Kind.CONTACT,
}
UNKNOWN_NIK = "3275016612990999"  # well-formed, not in the sample registry
# An own-contact turn shares the registry phone of the person whose NIK the dialogue typed last (a
# number the registry does not hold when that person has none).
PHONES = {who: line.split(",")[-1] or "081200000000" for who, line in GOOD.items()}
_NIK_OF = re.compile(r"\{nik\.([a-z]+)\}")


def placeholders() -> dict[str, str]:
    values = {"nik.unknown": UNKNOWN_NIK}
    for who, line in GOOD.items():
        nik, kk = line.split(",")[:2]
        values[f"nik.{who}"] = nik
        values[f"kk.{who}"] = kk
        values[f"kk4.{who}"] = kk[-4:]
    return values


_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+\.[a-z0-9_]+)\}")


def fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or _generated(m.group(1)) or m.group(0), text)


def _generated(key: str) -> str | None:
    """`{long.N}`: a message of exactly N characters (words, so it reads as text)."""
    kind, _sep, size = key.partition(".")
    if kind != "long" or not size.isdigit():
        return None
    return ("kata " * (int(size) // 5 + 1))[: int(size)]


_TICKET_NUMBER = re.compile(r"#(\d+)")


# The tuning set is tuning.toml plus every file in tuning.d/ (one per line of work, so parallel work on
# the set never edits the same file); ids are unique across all of them.
TUNING_PARTS = HERE / "tuning.d"


def set_files(path: Path) -> list[Path]:
    """The files a set is read from: the tuning set has parts, any other set is its one file."""
    if path.resolve() == SETS["tuning"].resolve():
        return [path, *sorted(TUNING_PARTS.glob("*.toml"))]
    return [path]


def load_set(path: Path) -> list[dict[str, Any]]:
    dialogues: list[dict[str, Any]] = []
    for part in set_files(path):
        dialogues += tomllib.loads(part.read_text(encoding="utf-8")).get("dialogue", [])
    ids = [d["id"] for d in dialogues]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate dialogue ids: {sorted(duplicates)}")
    return dialogues


def check_set(path: Path) -> list[str]:
    """What is wrong with a set's shape (FORMAT.md), without playing it: a blind writer checks a
    held-out file with this and never sees a reply."""
    try:
        dialogues = load_set(path)
    except (ValueError, KeyError, tomllib.TOMLDecodeError) as error:
        return [f"{path.name}: {error}"]
    known = placeholders()
    problems = []
    for dialogue in dialogues:
        name = dialogue["id"]
        problems += [f"{name}: unknown key {key!r}" for key in sorted(set(dialogue) - DIALOGUE_KEYS)]
        turns = dialogue.get("turn", [])
        if not turns:
            problems.append(f"{name}: no turns")
        for number, turn in enumerate(turns, 1):
            where = f"{name} turn {number}"
            problems += [f"{where}: unknown key {key!r}" for key in sorted(set(turn) - TURN_KEYS)]
            actions = [key for key in ("say", "press", "kind") if key in turn]
            if len(actions) != 1:
                problems.append(f"{where}: needs exactly one of say/press/kind")
            if "kind" in turn and turn["kind"] not in KINDS:
                problems.append(f"{where}: unknown kind {turn['kind']!r}")
            for key in ("any", "all", "none"):
                if not isinstance(turn.get(key, []), list):
                    problems.append(f"{where}: {key} must be a list")
            texts = [str(turn.get("say", ""))] + [str(x) for k in ("any", "all", "none") for x in turn.get(k, [])]
            for text in texts:
                for key in _PLACEHOLDER.findall(text):
                    if key not in known and key != "ticket.id" and _generated(key) is None:
                        problems.append(f"{where}: unknown placeholder {{{key}}}")
    return problems


def find_button(replies: list[Reply], wanted: str) -> str | None:
    """A button of the last reply by id or label; a label may carry decorations such as a count
    ("Semua pelanggan (3)" is pressed as "Semua pelanggan"): exact first, then one unique prefix."""
    wanted = wanted.casefold()
    choices = [(cid, label.casefold()) for r in replies for cid, label in r.choices()]
    for cid, label in choices:
        if wanted in (cid.casefold(), label):
            return cid
    prefixed = [cid for cid, label in choices if label.startswith(wanted)]
    return prefixed[0] if len(prefixed) == 1 else None


def over_limits(replies: list[Reply]) -> list[str]:
    """What in a turn's replies WhatsApp could not show (the stricter platform's limits)."""
    problems = []
    for reply in replies:
        if len(reply.text) > MAX_TEXT:
            problems.append(f"text of {len(reply.text)} characters")
        if len(reply.buttons) > MAX_BUTTONS or (reply.buttons and reply.menu):
            problems.append(f"{len(reply.buttons)} buttons{' with a list' if reply.menu else ''}")
        problems += [f"button {b.label!r} too long" for b in reply.buttons if len(b.label) > MAX_BUTTON_LABEL]
        if reply.menu:
            rows = reply.menu.rows
            if len(rows) > MAX_ROWS:
                problems.append(f"{len(rows)} rows")
            problems += [f"row {r.title!r} too long" for r in rows if len(r.title) > MAX_ROW_TITLE]
            problems += [
                f"row {r.title!r} description too long" for r in rows if len(r.description) > MAX_ROW_DESCRIPTION
            ]
    return problems


def seen(replies: list[Reply]) -> str:
    """What the user sees in one turn: every message's text and every button/row label."""
    parts = []
    for reply in replies:
        parts.append(reply.text)
        parts.extend(label for _, label in reply.choices())
    return "\n".join(parts).casefold()


@dataclass
class Outcome:
    id: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


class DialogueRunner:
    """One app with the sample registry, shared by every dialogue of a set."""

    def __init__(self, app: App) -> None:
        self.app = app
        # Every dialogue starts at 10:00 WIB on the day the sample data speaks of (FORMAT.md: 21 November 2026)
        # and its clock runs with real time: a dialogue late in a long set on a loaded machine still means
        # "1 jam lagi" as 11:00, not 11:01.
        self.started, base = time.monotonic(), datetime(TODAY.year, TODAY.month, TODAY.day, 3, 0, tzinfo=UTC)
        self.bot = Conversations(
            app.store, app.domain, app.today, clock=lambda: base + timedelta(seconds=time.monotonic() - self.started)
        )
        self.values = placeholders()
        self.count = 0

    @classmethod
    async def start(cls, directory: Path) -> DialogueRunner:
        settings = Settings(var_dir=directory / "var", secret_key=TEST_SECRET, _env_file=None)  # type: ignore[call-arg]
        app = await bootstrap(settings, f"sqlite+aiosqlite:///{directory / 'dialogues.db'}", today=lambda: TODAY)
        await import_sample(app, directory)
        return cls(app)

    async def close(self) -> None:
        await self.app.close()

    async def _bind_staff(self, channel: str, user: str, scope: str) -> str | None:
        """The real invite mechanism: a one-time code, sent as /petugas CODE."""
        role, kode = ("admin", None) if scope == "all" else ("staff", scope)
        async with self.app.store.uow() as uow:
            code, _ = await broadcasts.create_invite(uow, self.app.domain, role, kode, datetime.now(UTC))
        replies = await self.bot.handle(InMessage(channel, user, Kind.TEXT, text=f"/petugas {code}"))
        if not any(r.buttons and r.buttons[0].id == "staff:new" for r in replies):
            return f"staff binding failed: {replies[0].text if replies else 'no reply'}"
        return None

    async def _mark_selection(self, marks: dict[str, str]) -> None:
        """A selection round in which each named sample person got the given outcome ("selected" or
        "waiting_list"), as `sigap selection run` records it (FORMAT.md: `selection`)."""
        hasher = self.app.domain.hasher
        async with self.app.store.uow() as uow:
            recorded = await uow.selection.add_round(
                models.SelectionRound(
                    created_at=datetime.now(UTC),
                    run_by="dialogue runner",
                    policy={},
                    quota=len(marks),
                    enrolled=0,
                    kept=0,
                    selected=sum(o == "selected" for o in marks.values()),
                    waiting=sum(o == "waiting_list" for o in marks.values()),
                    key_check=b"\0" * 32,
                    waiting_fingerprint=b"\0" * 32,
                )
            )
            await uow.selection.add_entries(
                [
                    (recorded.id, hasher.nik(self.values[f"nik.{who}"]), 1, 1, "", rank, outcome, "")
                    for rank, (who, outcome) in enumerate(sorted(marks.items()), start=1)
                ]
            )

    async def _clear_selection(self) -> None:
        async with self.app.store.uow() as uow:
            await uow.session.execute(delete(models.SelectionEntry))
            await uow.session.execute(delete(models.SelectionRound))

    async def run(self, dialogue: dict[str, Any]) -> Outcome:
        if not dialogue.get("selection"):
            return await self._run(dialogue)
        await self._mark_selection(dialogue["selection"])
        try:
            return await self._run(dialogue)
        finally:
            await self._clear_selection()

    async def _run(self, dialogue: dict[str, Any]) -> Outcome:
        self.count += 1
        self.started = time.monotonic()
        outcome = Outcome(dialogue["id"])
        channel = dialogue.get("channel", "console")
        lang = dialogue.get("lang", "")
        users = {"user": f"dlg-{self.count}", "officer": f"dlg-{self.count}-officer"}
        for key, who in (("staff", "user"), ("officer", "officer")):
            if dialogue.get(key):
                problem = await self._bind_staff(channel, users[who], dialogue[key])
                if problem is not None:
                    outcome.failures.append(problem)
                    return outcome
        last: dict[str, list[Reply]] = {"user": [], "officer": []}
        person = "priority"
        values = dict(self.values)
        for n, turn in enumerate(dialogue.get("turn", []), start=1):
            where = f"turn {n}"
            by = turn.get("by", "user")
            user, replies = users[by], last[by]
            typed = _NIK_OF.findall(turn.get("say", ""))
            person = typed[-1] if typed else person
            if "say" in turn:
                msg = InMessage(channel, user, Kind.TEXT, text=fill(turn["say"], values), language_hint=lang)
            elif "press" in turn:
                payload = find_button(replies, fill(turn["press"], values))
                if payload is None:
                    labels = [label for r in replies for _, label in r.choices()]
                    outcome.failures.append(f"{where}: no button {turn['press']!r} among {labels}")
                    return outcome
                msg = InMessage(channel, user, Kind.BUTTON, payload=payload, language_hint=lang)
            else:
                kind = KINDS[turn["kind"]]
                msg = InMessage(
                    channel,
                    user,
                    kind,
                    contact_phone=PHONES.get(person, "081200000000") if kind is Kind.CONTACT else "",
                    contact_is_own=kind is Kind.CONTACT,
                    language_hint=lang,
                )
            replies = last[by] = await self.bot.handle(msg)
            outcome.failures += [f"{where}: {problem}" for problem in over_limits(replies)]
            text = seen(replies)
            if by == "user" and (numbered := _TICKET_NUMBER.search(text)):
                values["ticket.id"] = numbered.group(1)  # the citizen's ticket, for the officer's turns
            if not replies or not text.strip():
                outcome.failures.append(f"{where}: the bot stayed silent")
                continue
            checks = {key: [fill(p, values) for p in turn.get(key, [])] for key in ("any", "all", "none")}
            if checks["any"] and not any(p.casefold() in text for p in checks["any"]):
                outcome.failures.append(f"{where}: none of {checks['any']} in {text[:600]!r}")
            missing = [p for p in checks["all"] if p.casefold() not in text]
            if missing:
                outcome.failures.append(f"{where}: missing {missing} in {text[:600]!r}")
            found = [p for p in checks["none"] if p.casefold() in text]
            if found:
                outcome.failures.append(f"{where}: must not contain {found} in {text[:600]!r}")
        return outcome


async def run_set(path: Path) -> list[Outcome]:
    dialogues = load_set(path)
    with tempfile.TemporaryDirectory() as directory:
        runner = await DialogueRunner.start(Path(directory))
        try:
            return [await runner.run(d) for d in dialogues]
        finally:
            await runner.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--set-file", type=Path)
    source.add_argument("--set", choices=sorted(SETS))
    parser.add_argument("--summary", action="store_true", help="print only 'passed N/M'")
    parser.add_argument("--check", action="store_true", help="check the file's shape only; play nothing")
    args = parser.parse_args(argv)
    path = (args.set_file or SETS[args.set]).resolve()
    if args.check:
        problems = check_set(path)
        print("\n".join(problems) or f"ok: {len(load_set(path))} dialogues")
        return 1 if problems else 0
    # The held-out sets are measured, never read: only its aggregate figure is ever printed.
    summary = args.summary or path in {SETS[name].resolve() for name in HELD_OUT}
    outcomes = asyncio.run(run_set(path))
    passed = sum(o.passed for o in outcomes)
    if not summary:
        for outcome in outcomes:
            if not outcome.passed:
                print(f"FAIL {outcome.id}")
                for failure in outcome.failures:
                    print(f"  {failure}")
    print(f"passed {passed}/{len(outcomes)}")
    return 0 if passed == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
