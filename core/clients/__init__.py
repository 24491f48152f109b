"""Client settings once trust is in place: KurrentDB, kumactl, PostgreSQL and MySQL/MariaDB."""
