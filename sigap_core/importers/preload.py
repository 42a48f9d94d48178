"""Imported by the forkserver before it forks the import workers (see `parallel.start_pool`): the parser
modules and their look-up tables are built once there and inherited by every worker, instead of each
worker importing and building them while the first chunks wait. It also ties the fork server's life to
the import process's."""

import os

import sigap_core.importers.parallel  # (the workers' module: imported here once)
from sigap_core.importers import rows

rows.warm_up()
# The fork server is started by the import process: it ends when that process ends, even by kill -9.
sigap_core.importers.parallel.exit_with(
    int(os.environ.get(sigap_core.importers.parallel.OWNER_VARIABLE) or os.getppid())
)
