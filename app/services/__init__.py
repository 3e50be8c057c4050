"""Use cases: one database transaction each; called by both the TUI and the CLI."""
