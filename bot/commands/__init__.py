"""The `sigap` commands, one module per topic; `bot/cli.py` registers them on the `sigap` group.

Modules import only click at load time (heavy modules are imported inside the commands): the CLI starts
faster, and the importer's worker processes, which re-import the entry module, stay small. A command that
needs the application takes it from `common.with_app`.
"""
