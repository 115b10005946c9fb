"""The read side: every view of the ledger (projections and scores) from one place, with one meaning of
"as of". `Reader` is the entry point; the CLI, `Ledger`, exports, the report and the plots all read through it."""
