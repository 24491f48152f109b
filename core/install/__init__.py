"""Plans (install, renewal, removal), applying them with rollback, and the ledger of what was
installed where. `plan`, `ledger`, `renewal` and `expiry` are its modules."""
