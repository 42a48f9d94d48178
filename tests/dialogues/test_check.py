"""`runner --check`: a set's shape is validated without playing it (what a blind writer of a held-out set
may run)."""

from __future__ import annotations

from pathlib import Path

from tests.dialogues.runner import SETS, check_set, main


def test_the_sets_in_the_repository_have_a_valid_shape() -> None:
    for name in ("tuning", "dev1", "dev2", "dev3", "heldout4", "heldout5", "heldout6"):
        assert check_set(SETS[name]) == [], name


def test_a_broken_set_is_described_turn_by_turn(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(
        """
[[dialogue]]
id = "a"
about = "two actions, an unknown kind, a typo in a key and a placeholder"
colour = "red"
  [[dialogue.turn]]
  say = "{nik.nobody}"
  press = "Setuju"
  [[dialogue.turn]]
  kind = "gif"
  anyy = ["x"]

[[dialogue]]
id = "b"
about = "no turns"
""",
        encoding="utf-8",
    )
    assert check_set(broken) == [
        "a: unknown key 'colour'",
        "a turn 1: needs exactly one of say/press/kind",
        "a turn 1: unknown placeholder {nik.nobody}",
        "a turn 2: unknown key 'anyy'",
        "a turn 2: unknown kind 'gif'",
        "b: no turns",
    ]
    assert main(["--set-file", str(broken), "--check"]) == 1
    duplicate = tmp_path / "duplicate.toml"
    duplicate.write_text('[[dialogue]]\nid = "a"\n[[dialogue]]\nid = "a"\n', encoding="utf-8")
    assert check_set(duplicate) == ["duplicate.toml: duplicate dialogue ids: ['a']"]
