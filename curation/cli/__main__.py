"""``python -m curation.cli``: the ``mathif`` command."""

from curation.cli import app

app(prog_name="mathif")
