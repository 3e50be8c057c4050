"""Storage: SQLModel tables, engine set-up, migrations and fast read queries."""
