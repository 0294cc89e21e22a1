"""/api/v1: the channel API (see the intake issue)."""
from flask import Flask


def register_api(app: Flask) -> None:
    """Registers the /api/v1 blueprint once it exists."""
