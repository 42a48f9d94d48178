"""Selection rounds on both databases: quota, reruns, idempotence, dry run, and what a check then says."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.bootstrap import App
from sigap_core.eligibility import Status
from sigap_core.importers.service import import_file
from sigap_core.nik import parse_nik
from sigap_core.selection_rounds import round_summary, run_selection
from sigap_core.services import check
from tests.conftest import TODAY
from tests.integration.helpers import GOOD, NIK, PESERTA_GOOD, PESERTA_HEADER, dtsen, write

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def extra_people(count: int, desil: int, first: int = 1, kode: str = "32.75.01.1001") -> list[str]:
    """Eligible synthetic people (informal work, Kota Bekasi) with valid, distinct NIKs."""
    rows = []
    for n in range(first, first + count):
        nik = f"327501{(n % 28) + 1:02d}{(n % 12) + 1:02d}91{n:04d}"
        rows.append(
            f"{nik},32750101010{n:05d},ORANG KE {n},1991-01-01,L,Jl. Uji {n},001,002,{kode},{desil},Buruh Harian Lepas,"
        )
    return rows


def nik_of(row: str) -> str:
    return row.split(",", 1)[0]


async def load(
    app: App, tmp_path: Path, extra: list[str], name: str = "d.csv", peserta: list[str] | None = None
) -> None:
    await import_file(
        app.store.engine, app.domain.hasher, app.domain.wilayah, "dtsen", dtsen(tmp_path / name, extra), tmp_path / "r"
    )
    lines = [*PESERTA_GOOD, *(peserta or [])]
    path = write(tmp_path / f"p-{name}", PESERTA_HEADER, lines)
    await import_file(
        app.store.engine, app.domain.hasher, app.domain.wilayah, "peserta", path, tmp_path / "r", force=True
    )


async def status(app: App, nik: str) -> Status:
    async with app.store.uow() as uow:
        return (await check(uow, app.domain, parse_nik(nik), TODAY)).status


async def run(app: App, quota: int, dry_run: bool = False):  # type: ignore[no-untyped-def]
    return await run_selection(app.store, app.domain, TODAY, NOW, "cli:test", quota=quota, dry_run=dry_run)


async def test_places_go_to_priority_desil_first_and_the_rest_wait(app: App, tmp_path: Path) -> None:
    desil_1 = extra_people(3, 1, first=1)
    desil_4 = extra_people(3, 4, first=100)
    await load(app, tmp_path, desil_1 + desil_4)
    # The sample's enrolled person holds one place; 4 remain for 8 candidates (3 + sample priority desil 2
    # in tier 1; 3 + sample desil 5 in tier 2).
    result = await run(app, quota=5)
    assert result.round is not None
    plan = result.plan.plan
    assert (plan.enrolled, plan.kept, plan.remaining_before) == (1, 0, 4)
    assert {p.candidate.desil for p in plan.selected} == {1, 2}
    assert len(plan.waiting) == 4
    for row in desil_1:
        assert await status(app, nik_of(row)) is Status.SELECTED
    assert await status(app, NIK["priority"]) is Status.SELECTED
    for row in desil_4:
        assert await status(app, nik_of(row)) is Status.WAITING_LIST
    assert await status(app, NIK["eligible"]) is Status.WAITING_LIST
    # Not eligible people are not touched by a round.
    assert await status(app, NIK["rich"]) is Status.DESIL_ABOVE_LIMIT
    assert await status(app, NIK["enrolled"]) is Status.ENROLLED


async def test_rerun_after_a_new_registry_fills_only_the_remaining_places(app: App, tmp_path: Path) -> None:
    first = extra_people(4, 3, first=1)
    await load(app, tmp_path, first)
    one = await run(app, quota=4)  # 1 enrolled + 3 selected
    assert one.round is not None and one.round.selected == 3
    picked = {p.candidate.nik_hmac for p in one.plan.plan.selected}
    # A newer extract brings desil-1 people, who rank above everyone waiting: no place is left for them.
    newcomers = extra_people(3, 1, first=500)
    await load(app, tmp_path, first + newcomers, name="d2.csv")
    two = await run(app, quota=4)
    assert two.round is not None
    assert (two.plan.plan.kept, len(two.plan.plan.selected)) == (3, 0)
    for row in newcomers:
        assert await status(app, nik_of(row)) is Status.WAITING_LIST
    # Two more places: the newcomers' tier and desil come first now; nobody is picked twice.
    three = await run(app, quota=6)
    assert three.round is not None
    again = {p.candidate.nik_hmac for p in three.plan.plan.selected}
    assert len(again) == 2 and not again & picked
    assert {p.candidate.desil for p in three.plan.plan.selected} == {1}


async def test_enrolled_people_count_against_the_quota_and_are_never_picked_again(app: App, tmp_path: Path) -> None:
    people = extra_people(4, 1, first=1)  # desil 1: ahead of the sample's desil-2 person
    await load(app, tmp_path, people)
    one = await run(app, quota=3)  # 1 enrolled + 2 selected
    assert one.round is not None
    chosen = [p.candidate for p in one.plan.plan.selected]
    chosen_niks = [nik_of(r) for r in people if app.domain.hasher.nik(nik_of(r)) in {c.nik_hmac for c in chosen}]
    assert len(chosen_niks) == 2
    enrolment = [f"{nik},1111222233{i},SIGAP,JKK+JKM,2026-12-01,2027-11-30,AKTIF" for i, nik in enumerate(chosen_niks)]
    await load(app, tmp_path, people, name="d2.csv", peserta=enrolment)
    for nik in chosen_niks:
        assert await status(app, nik) is Status.ENROLLED
    async with app.store.uow() as uow:
        summary = await round_summary(uow, app.domain, one.round.id, TODAY)
    assert (summary.selected, summary.enrolled_now) == (2, 2)
    two = await run(app, quota=3)
    assert (two.plan.plan.enrolled, two.plan.plan.kept, len(two.plan.plan.selected)) == (3, 0, 0)


async def test_a_rerun_with_nothing_changed_records_nothing(app: App, tmp_path: Path) -> None:
    await load(app, tmp_path, extra_people(5, 2))
    first = await run(app, quota=3)
    assert first.round is not None
    second = await run(app, quota=3)
    assert second.plan.unchanged and second.round is None
    async with app.store.uow() as uow:
        assert [r.id for r in await uow.selection.rounds()] == [first.round.id]


async def test_dry_run_records_nothing_and_changes_no_answer(app: App, tmp_path: Path) -> None:
    await load(app, tmp_path, extra_people(5, 2))
    result = await run(app, quota=3, dry_run=True)
    assert len(result.plan.plan.selected) == 2 and result.round is None
    async with app.store.uow() as uow:
        assert await uow.selection.rounds() == []
    assert await status(app, NIK["priority"]) is Status.ELIGIBLE_PRIORITY


async def test_a_selected_person_no_longer_eligible_releases_the_place(app: App, tmp_path: Path) -> None:
    await load(app, tmp_path, [])
    one = await run(app, quota=2)  # enrolled + the sample priority person
    assert one.round is not None and one.round.selected == 1
    # The new extract puts the selected person in desil 8.
    moved = [GOOD["priority"].replace(",2,Pengemudi", ",8,Pengemudi")]
    path = write(tmp_path / "d3.csv", "nik,no_kk,nama,tanggal_lahir,jenis_kelamin,alamat,rt,rw,kode_kelurahan,desil,pekerjaan,no_hp",
                 [*moved, *(v for k, v in GOOD.items() if k != "priority")])  # fmt: skip
    await import_file(app.store.engine, app.domain.hasher, app.domain.wilayah, "dtsen", path, tmp_path / "r")
    assert await status(app, NIK["priority"]) is Status.DESIL_ABOVE_LIMIT
    two = await run(app, quota=2)
    assert two.plan.released == 1
    assert len(two.plan.plan.selected) == 1  # the desil-5 sample person gets the place
    assert await status(app, NIK["eligible"]) is Status.SELECTED
