from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from handlers.nlu import INTENTS, normalise, understand

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def labelled(name: str) -> list[tuple[str, str]]:
    rows = []
    for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            intent, text = line.split("\t", 1)
            assert intent in INTENTS, intent
            rows.append((intent, text))
    return rows


def test_labelled_set_is_large_and_covers_every_intent() -> None:
    rows = labelled("nlu_utterances.tsv")
    assert len(rows) >= 200
    assert set(Counter(intent for intent, _ in rows)) == set(INTENTS)


def test_accuracy_on_the_labelled_set_is_at_least_95_percent() -> None:
    rows = labelled("nlu_utterances.tsv")
    wrong = [(intent, text, understand(text).intent) for intent, text in rows if understand(text).intent != intent]
    assert 1 - len(wrong) / len(rows) >= 0.95, wrong


def test_accuracy_on_the_fresh_tuning_set_is_at_least_95_percent() -> None:
    """nlu_more.tsv: 400 utterances, 40 per intent, written on 2 December 2026 by a writer who had not seen
    the classifier; the rules were then tuned on it (general cues, not the utterances), so it is tuning data."""
    rows = labelled("nlu_more.tsv")
    assert len(rows) == 400
    assert set(Counter(intent for intent, _ in rows)) == set(INTENTS)
    wrong = [(intent, text, understand(text).intent) for intent, text in rows if understand(text).intent != intent]
    assert 1 - len(wrong) / len(rows) >= 0.95, wrong


def test_held_out_set_stays_above_85_percent() -> None:
    """Written after tuning and never tuned on: a guard against over-fitting the main set."""
    rows = labelled("nlu_heldout.tsv")
    correct = sum(understand(text).intent == intent for intent, text in rows)
    assert correct / len(rows) >= 0.85


def test_second_held_out_set_is_measured() -> None:
    """Written blind on 2 December 2026 (informal, typos, ~15 % English), never tuned on.

    Measured at 0.825 when written, and at 0.95 after the classifier was generalised on a separate fresh
    tuning set (nlu_more.tsv) by someone who never opened this one. The threshold is a guard against
    regression with room for small shifts, not a target.
    """
    rows = labelled("nlu_heldout2.tsv")
    assert len(rows) >= 120
    assert set(Counter(intent for intent, _ in rows)) == set(INTENTS)
    correct = sum(understand(text).intent == intent for intent, text in rows)
    assert correct / len(rows) >= 0.90


@pytest.mark.parametrize(
    ("text", "nik"),
    [("cek nik sy 3275 0141 0190 0001 ya", "3275014101900001"), ("3275-0141-0190-0001", "3275014101900001")],
)
def test_nik_is_extracted_anywhere(text: str, nik: str) -> None:
    understood = understand(text)
    assert understood.entities == {"nik": nik} and understood.intent == "check_eligibility"


def test_output_shape_and_confidence() -> None:
    data = understand("sy mau cek bpjs gratis dr pemkot").as_json()
    assert set(data) == {"text", "intent", "confidence", "entities"}
    assert data["intent"] == "check_eligibility" and 0.5 <= float(data["confidence"]) <= 1  # type: ignore[arg-type]
    assert understand("").intent == "out_of_scope"


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("bayare piro sak sasi", "bayar berapa satu bulan"),  # Javanese, with the "-e" ending
        ("ieu sabaraha mayarna", "ini berapa bayar"),  # Sundanese, with the "-na" ending
        ("iraha mimitina", "kapan mulai"),
        ("bojoku tilar donya", "suami saya meninggal dunia"),
        ("yg nanggung sape", "yang nanggung siapa"),  # Betawi
        ("dodolan sayur", "jualan sayur"),  # a word the slang map gives is never pulled to a keyword ("jalan")
        ("naha abdi teu kapilih", "kenapa saya tidak terpilih"),  # Sundanese
        ("upami abdi kacilakaan", "kalau saya kecelakaan"),
        ("take a phone, done", "take a phone done"),  # English words are not read as regional endings
    ],
)
def test_regional_words_read_as_indonesian(text: str, normalised: str) -> None:
    assert normalise(text) == normalised
