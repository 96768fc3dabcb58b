"""The ``assistant`` command: thin commands over :class:`assistant.api.Assistant`.

One module per command group, each registering its commands on the one app with
``@command`` (``common``): ``index`` (ingest, search, status, remove), ``compliance`` (check,
offset, agreements), ``ask``, ``audit`` and ``evals`` (bench-beir, eval).
"""

from __future__ import annotations

import logging
import sys

import typer

# Imported for their ``@command`` registrations, in the order ``--help`` lists them.
from assistant.cli import index  # noqa: F401  # isort: skip
from assistant.cli import compliance  # noqa: F401  # isort: skip
from assistant.cli import ask, audit, evals  # noqa: F401  # isort: skip
from assistant.cli.common import app
from assistant.errors import AssistantError

__all__ = ["app", "main"]


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except AssistantError as exc:
        typer.secho(f"Error: {exc}", err=True, fg="red")
        sys.exit(2)
