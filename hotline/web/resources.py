"""The views' way to the hotline's resources: those the app factory put on the current app."""

from __future__ import annotations

from flask import Flask, current_app

from hotline.wiring import Hotline

EXTENSION = "hotline"


def attach(app: Flask, resources: Hotline) -> None:
    """Give `app`'s views these resources."""
    app.extensions[EXTENSION] = resources


def resources_of(app: Flask) -> Hotline:
    """The shared resources the app factory gave `app` (for tools and tests outside a request)."""
    resources: Hotline = app.extensions[EXTENSION]
    return resources


def hotline() -> Hotline:
    """The current app's shared resources."""
    return resources_of(current_app)
