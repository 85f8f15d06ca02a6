"""Alembic environment: migrates the one schema of the product (wizard and billing tables)."""
from alembic import context

from wizard.core.models import Base, load_all_models

load_all_models()

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Migrate through the engine the app handed over in `config.attributes`."""
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by copying it and dropping the old one; with foreign keys
            # enforced, that drop would fail (rows point at it) or cascade-delete the rows that do.
            # The pragma only takes effect outside a transaction, so it is set before one begins.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=sqlite, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise RuntimeError(f"The migration left rows that break foreign keys: {problems[:5]}")
        connection.commit()
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported: run them against a database.")
run_migrations_online()
