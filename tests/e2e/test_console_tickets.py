"""The ticket journey in two terminals (TRYOUT item 6): two real `sigap chat` processes on one database, a
citizen and a kelurahan officer. The officer's terminal prints the ticket notice without being asked, its
"Balas" button is pressed by its number, the citizen's terminal prints the answer and then the rating
question, whose 👍 is pressed by its number; every queued console message ends recorded as sent."""

from __future__ import annotations

import queue
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.e2e.cli_support import ROOT, env, loaded, loaded_template, sigap_here  # noqa: F401  (fixtures)

MARGAHAYU = "32.75.01.1002"
QUESTION = "kartu bpjs sy blm jadi, ambilnya di mana ya pak?"
ANSWER = "Kartu digital ada di aplikasi JMO, Bu. Kartu fisik tidak perlu."
WAIT = 60.0  # wide: two processes share two busy cores


class Terminal:
    """One `sigap chat` process with piped stdin/stdout; what it printed is read as it comes."""

    def __init__(self, environment: dict[str, str], user: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "chat", "--user", user, "--poll", "0.2"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            cwd=ROOT,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen = ""  # everything printed so far and not yet consumed by `expect`
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def say(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def expect(self, text: str) -> str:
        """Wait until `text` was printed; what was printed up to the end of that line (then consumed)."""
        deadline = time.monotonic() + WAIT
        while text not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} never printed; got:\n{self.seen}"
            try:
                self.seen += self.lines.get(timeout=left)
            except queue.Empty:
                continue
        end = self.seen.index(text) + len(text)
        end = self.seen.find("\n", end) + 1 or len(self.seen)
        printed, self.seen = self.seen[:end], self.seen[end:]
        return printed

    def button(self, printed: str, label: str) -> str:
        """The number printed for the button `label` (the last one so numbered)."""
        numbers = re.findall(rf"^\[(\d+)\] {re.escape(label)}$", printed, re.MULTILINE)
        assert numbers, f"no [n] {label} in:\n{printed}"
        return str(numbers[-1])

    def close(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.close()
        return self.process.wait(timeout=WAIT)


def console_rows(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        return list(connection.execute("SELECT user_key, state FROM outbox WHERE channel = 'console' ORDER BY id"))


@pytest.mark.long(3)
def test_citizen_and_officer_terminals_do_the_whole_ticket_journey(
    loaded: dict[str, str],  # noqa: F811
) -> None:
    database = Path(loaded["SIGAP_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///"))
    code = re.search(r"code: (\S+)", sigap_here(loaded, "staff", "invite", "--kelurahan", MARGAHAYU).stdout)
    assert code is not None
    officer, citizen = Terminal(loaded, "petugas-margahayu"), Terminal(loaded, "warga")
    try:
        officer.say(f"/petugas {code[1]}")
        officer.expect("Anda sekarang petugas Kelurahan Margahayu.")

        citizen.say("tanya petugas kelurahan margahayu")
        citizen.expect("Tulis pertanyaan Anda dalam satu pesan.")
        citizen.say(QUESTION)
        citizen.expect("Nomor tiket Anda: #1.")

        # The notice reaches the officer's terminal by itself; its Balas button is pressed by its number.
        notice = officer.expect("] Ambil")
        assert "Pertanyaan warga, tiket #1" in notice and QUESTION in notice
        officer.say(officer.button(notice, "Balas"))
        officer.expect("Ketik jawaban untuk tiket #1 dalam satu pesan.")
        officer.say(ANSWER)
        officer.expect("Jawaban untuk tiket #1 sudah masuk antrean dan segera dikirim ke warga.")

        answer = citizen.expect(ANSWER)
        assert "#1" in answer
        citizen.say("sudah dijawab belum ya?")  # re-read, not filed into the ticket
        status = citizen.expect("Jawaban petugas:")
        assert "sudah dijawab" in status and "Tambahan Anda masuk" not in status

        officer.say("tutup tiket 1")
        officer.expect("Tutup tiket #1?")
        officer.say("Ya, tutup")
        officer.expect("Tiket #1 ditutup.")

        rating = citizen.expect("] 👎")
        assert "Tiket #1 sudah ditutup oleh petugas. Apakah jawaban ini membantu?" in rating
        citizen.say(citizen.button(rating, "👍"))
        citizen.expect("Terima kasih atas penilaiannya!")
    finally:
        codes = (citizen.close(), officer.close())
    assert codes == (0, 0)
    rows = console_rows(database)
    # The notice to the officer, then the answer and the rating question to the citizen: each sent once.
    assert rows == [("petugas-margahayu", "sent"), ("warga", "sent"), ("warga", "sent")]
    with sqlite3.connect(database) as connection:
        assert list(connection.execute("SELECT state, rating FROM ticket")) == [("closed", "up")]
