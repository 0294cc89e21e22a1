"""Operations commands: scan-deadlines."""
from flask import Flask


def register(app: Flask) -> None:
    """Adds the operations commands to `flask`."""
