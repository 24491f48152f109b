"""Plans (install, renewal, removal), applying them with rollback, and the ledger of what was
installed where. `plan`, `ledger`, `renewal` and `expiry` are its modules; `clusters` and `repair`
read the ledger back by cluster, and `consumer_names` names what each item serves ("Chromium",
"Firefox (profile default-release)") for them and for verify; `addresses` keeps each cluster's UI
address in the ledger, for the wizard and the command line alike."""
