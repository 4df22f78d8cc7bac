"""The mathif pipeline, one subpackage per stage.

``core`` (records, errors, I/O) <- ``scoring`` <- ``raw`` <- ``dataset`` <- ``release``;
``evaluation`` builds on ``core`` and ``scoring``; ``cli`` wires them into the ``mathif``
command.  README.md's Layout section lists what each may import; a test enforces it.
"""

from curation.core import __version__

__all__ = ["__version__"]
