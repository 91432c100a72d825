"""The views' way to the hotline's resources: those the app factory put on the current app."""

from __future__ import annotations

from flask import Flask, current_app

from hotline.wiring import Hotline

EXTENSION = "hotline"


def attach(app: Flask, resources: Hotline) -> None:
    """Give `app`'s views these resources."""
    app.extensions[EXTENSION] = resources


def hotline() -> Hotline:
    """The current app's shared resources."""
    resources: Hotline = current_app.extensions[EXTENSION]
    return resources
