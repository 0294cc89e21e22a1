"""Close the pooled connections at the end of the run: psycopg warns (an error under
filterwarnings=error) about connections still open when the interpreter exits.
(tests/conftest.py could do this after its `app` fixture; it is not ours to edit.)"""
import pytest


@pytest.fixture(scope="session", autouse=True)
def _dispose_engines_at_exit():
    yield
    from ticketing.extensions import db

    for engines in list(db._app_engines.values()):
        for engine in engines.values():
            engine.dispose()
