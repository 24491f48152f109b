"""The `clustertrust` command line."""
