"""Kurrent Cloud: sign-in with a token kept in the OS keyring, cluster listing, bundle download."""
