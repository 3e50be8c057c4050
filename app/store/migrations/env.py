"""Alembic environment: runs on the engine the application hands over."""

from __future__ import annotations

from alembic import context

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        render_as_batch=connection.dialect.name == "sqlite",
        # SQLite can roll DDL back too. One transaction for the whole upgrade (its BEGIN
        # IMMEDIATE takes the write lock before the version is read) means two tills opening
        # an old or new file at once run the migrations one after the other, not both, and a
        # power cut mid-upgrade leaves the old schema, not half of the new one.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
