"""The ``mathif`` command line: the only layer that imports typer and rich.

``app`` is the root Typer app; each command group lives in a module of its own and every
command goes through one error rule (:data:`curation.cli.console.EXIT_CODES`).
"""

from curation.cli.app import app

__all__ = ["app"]
