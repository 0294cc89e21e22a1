"""Intake commands: create-token, import-tickets."""
from flask import Flask


def register(app: Flask) -> None:
    """Adds the intake commands to `flask`."""
