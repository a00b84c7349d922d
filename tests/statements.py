"""What a request asked the database: the statements sent on an app's engine while a block ran."""
from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db


@contextmanager
def statements_sent(app):
    """Yields the list the statements sent while the block runs are added to (their SQL text)."""
    sent = []
    with app.app_context():
        engine = db.engine

    def note(connection, cursor, statement, *rest):
        sent.append(statement)
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)
