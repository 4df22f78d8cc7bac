"""The shipped constraint families, one module per category.

=========  ==========  ==================================================
module     category    what its families constrain
=========  ==========  ==================================================
lexical    "lexical"   keywords, a word used once, letters, language, case
length     "length"    the number of words, sentences or paragraphs
format     "format"    bullets, highlights, sections, commas, title, JSON
affix      "affix"     what the response starts or ends with
maths      "math"      how the answer of a maths problem is written
=========  ==========  ==================================================

Each module has ``MATHIF_FAMILIES`` (its part of MathIF's 15, empty in
maths), ``EXTENDED_FAMILIES`` (the ones beyond MathIF) and ``FAMILIES``
(both); its docstring says where each family's idea comes from (IFEval,
IFBench, Tülu 3, or maths writing).  A new shipped family goes into the module
of its category and at the end of ``constraints.registry.EXTENDED``, which
fixes the order families are listed and drawn in.
"""

from __future__ import annotations

from . import affix, format, length, lexical, maths

# The registry lists MathIF's families module by module in this order
# (MathIF's own: lexical, length, format, affix).
MODULES = (lexical, length, format, affix, maths)

__all__ = ["MODULES", "affix", "format", "length", "lexical", "maths"]
