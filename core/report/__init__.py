"""The redacted support report for the helpdesk: `collect` builds it, `text` renders it."""
