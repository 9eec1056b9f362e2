"""Alembic environment. koptrack runs migrations itself (store.upgrade) on an open connection;
`alembic` on the command line is only for developers writing a new revision."""

from alembic import context
from sqlmodel import SQLModel

from koptrack.store import models  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:  # developer use: alembic -x url=sqlite:///dev.db revision --autogenerate
    from sqlalchemy import create_engine

    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///dev.db")
    with create_engine(url).begin() as conn:
        run_migrations(conn)
