from contextlib import contextmanager

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "warning"
csrf = CSRFProtect()


def configure_sqlite(engine) -> None:
    """Make SQLite transactions real: pysqlite opens none before a SAVEPOINT, so a savepoint's
    RELEASE would commit on its own and a later rollback would not undo it. SQLAlchemy's documented
    fix: let the driver do nothing and emit BEGIN ourselves. `execution_options(sqlite_immediate=True)`
    takes the write lock at once (BEGIN IMMEDIATE), for work that must not interleave.
    WAL lets readers outside a request (the import thread, cron) read while one writes; busy_timeout makes writers
    queue. Requests take the lock when they begin (`one_writer_at_a_time` in create_app)."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        immediate = connection.get_execution_options().get("sqlite_immediate")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def take_the_write_lock(session) -> bool:
    """Begin ``session``'s next transaction holding SQLite's write lock (BEGIN IMMEDIATE, waiting behind
    busy_timeout): work that reads and then writes (a request, an import's batch, a deadline scan) is otherwise
    refused at once when another connection wrote in between. True when taken; nothing on PostgreSQL, and nothing
    for a session already in a transaction (it takes the lock with its first write)."""
    real = session() if callable(session) else session  # Flask-SQLAlchemy hands a scoped_session
    if real.get_bind().dialect.name != "sqlite" or real.in_transaction():
        return False
    real.connection(execution_options={"sqlite_immediate": True})
    return True


@contextmanager
def no_transaction_held(session):
    """Around a slow call outside the database (the SMS gateway, a virus scanner): what the transaction did so far
    is committed first, so that no lock is held while waiting (SQLite's write lock, taken when a request begins,
    kept every other user waiting, then refused after busy_timeout, for as long as a gateway took: a resilience
    review), and the next transaction begins with the write lock again, as a request's does."""
    real = session() if callable(session) else session
    real.commit()
    try:
        yield
    finally:
        take_the_write_lock(real)
