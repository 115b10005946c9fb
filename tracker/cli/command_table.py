"""Which module registers each of `tracker`'s commands, in the order `tracker --help` lists them.

Written by `make docs` from what each module registers (`tracker.cli.main.discover_commands`); do not edit.
A command line imports the module of the one command it runs and builds only that command (`LazyCommands`):
importing every module and building every command's parameters cost about as much as the command itself.
A command defined since the table was written still runs (`tracker` then imports every module to find it);
tests/test_startup.py fails until `make docs` has written it here.
"""

COMMAND_MODULES: dict[str, str] = {
    "init": "ledger_cmds",
    "annul": "ledger_cmds",
    "reopen": "ledger_cmds",
    "info": "read_cmds",
    "list": "read_cmds",
    "show": "read_cmds",
    "log": "read_cmds",
    "sources": "read_cmds",
    "rebuild": "read_cmds",
    "verify": "read_cmds",
    "backup": "read_cmds",
    "score": "scoring_cmds",
    "scores": "scoring_cmds",
    "compare": "scoring_cmds",
    "calibration": "scoring_cmds",
    "runs": "scoring_cmds",
    "due": "scoring_cmds",
    "hindsight": "scoring_cmds",
    "import": "catalog_cmds",
    "phrases": "catalog_cmds",
    "rescale": "catalog_cmds",
    "export": "review_cmds",
    "report": "review_cmds",
    "extract": "extract_cmds",
    "site": "site_cmds",
    "keygen": "proof_cmds",
    "checkpoint": "proof_cmds",
    "checkpoints": "proof_cmds",
    "cosign": "proof_cmds",
    "proof": "proof_cmds",
    "verify-proof": "proof_cmds",
    "source": "ledger_cmds",
    "question": "ledger_cmds",
    "forecast": "ledger_cmds",
    "resolve": "ledger_cmds",
    "schedule": "scoring_cmds",
    "plot": "review_cmds",
}
