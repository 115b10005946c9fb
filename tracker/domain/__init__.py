"""The pure core: commands, events, state, `decide` and `evolve`.

Nothing in this package does I/O: no database, no clock, no files (the verbal scale reader in
`verbal.py` reads package data, and is called by the shell, never by `decide`). The current time
arrives inside each command, so the same command always decides the same events.
"""
