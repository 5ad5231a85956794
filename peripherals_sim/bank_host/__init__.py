"""Bank host simulator: the host API over mutual TLS with its own loan ledger."""
