"""What the helpdesk gets: the redacted support report (`collect` builds it, `text` renders it)
and the few lines of `diagnostics` for a chat."""
