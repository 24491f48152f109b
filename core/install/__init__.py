"""Plans (install, renewal, removal), applying them with rollback, and the ledger of what was
installed where. `plan`, `ledger`, `renewal` and `expiry` are its modules; `clusters` and `repair`
read the ledger back by cluster (core/consumer_names.py names what each item serves); `addresses`
keeps each cluster's UI address in the ledger, for the wizard and the command line alike."""
