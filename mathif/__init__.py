"""mathif's stable Python API, in one place (README: "Python API").

- :func:`load` a version in any form (a build folder, ``ORG/NAME@v1.0.0`` on the Hub, a
  published tree, one JSONL or parquet file, MathIF's folder) -> :class:`Benchmark` of
  :class:`BenchItem` (key, item, prompt with and without its constraints);
- :func:`score` one response against one item -> :class:`Verdict` (``hard``, ``soft``,
  ``follow`` per constraint, ``correct``), :func:`score_batch` many, :func:`mean_scores`
  MathIF's three scores over them;
- :func:`as_item` turns a row of any of the tool's, MathIF's or the Hub's formats into an
  item.

Names outside this list (``curation.*``, ``constraints.*``) may change between versions.
"""

from curation.core import InputError, Item, __version__
from curation.integrations import (
    BenchItem,
    Benchmark,
    ConstraintVerdict,
    Verdict,
    as_item,
    load,
    mean_scores,
    score,
    score_batch,
)

__all__ = [
    "__version__",
    "as_item",
    "Benchmark",
    "BenchItem",
    "ConstraintVerdict",
    "InputError",
    "Item",
    "load",
    "mean_scores",
    "score",
    "score_batch",
    "Verdict",
]
