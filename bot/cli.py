"""The `sigap` command (CONTRACT §3): the group, and the one place where command groups are registered.

The commands live in `bot/commands/`, one module per topic. A new command group: a module defining a click
group (use `bot.commands.common.with_app` for commands that need the application), and one
`main.add_command(...)` line below.
"""

from __future__ import annotations

import logging
import sys

import click

from bot.commands import broadcast, chat, database, demo, lookup, registry, selection, service, staff, tickets


@click.group()
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """SIGAP bot: eligibility, data-update guidance and coverage for Kota Bekasi's informal workers."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


main.add_command(database.db)
main.add_command(demo.demo_data)
main.add_command(registry.import_registry)
main.add_command(lookup.check)
main.add_command(lookup.report)
main.add_command(chat.chat)
main.add_command(chat.nlu)
main.add_command(service.run)
main.add_command(staff.staff)
main.add_command(broadcast.broadcast)
main.add_command(database.prune)
main.add_command(demo.demo)
main.add_command(selection.selection)
main.add_command(tickets.tickets)


if __name__ == "__main__":  # pragma: no cover
    main()
