"""Imported by the forkserver before it forks the import workers (see `parallel.start_pool`): the parser
modules and their look-up tables are built once there and inherited by every worker, instead of each
worker importing and building them while the first chunks wait."""

import sigap_core.importers.parallel  # noqa: F401  (the workers' module: imported here once)
from sigap_core.importers import rows

rows.warm_up()
