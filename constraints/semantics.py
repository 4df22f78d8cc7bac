"""The version of the shipped checkers' semantics: one string for all shipped families.

``CHECKER_SEMANTICS`` is recorded wherever results are written (``summary.json`` and
``run.json`` of ``mathif score``/``mathif eval``, a build's ``manifest.json``, the dataset
card, ``report.md``), next to whether ``--fix-quirks`` was on, so that two scores or two
builds can be told comparable or not.

Bump it (to the next integer, as a string) with any change that can change a verdict of a
shipped family, under the default checks or under ``--fix-quirks``; a change that cannot
(speed, messages, descriptions) keeps it.  README.md's "Checker semantics" section has a
changelog entry for each version.
"""

from __future__ import annotations

CHECKER_SEMANTICS = "2"
"""The semantics of the checkers this mathif ships."""

UNRECORDED_SEMANTICS = "1"
"""The semantics of a file that records none: it was written before the version existed."""
