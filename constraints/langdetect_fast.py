"""langdetect's verdict, bit for bit, in a fraction of its time.

``FastDetector.detect(text, seed)`` returns what this returns (``None`` where langdetect
raises ``LangDetectException``)::

    detector = factory.create()          # factory: langdetect's profiles, loaded once
    detector.seed = seed
    detector.append(text)
    detector.detect()

It runs the same computation in the same order, with less Python per character.
Step by step (``Detector``, ``NGram`` and ``DetectorFactory`` are langdetect's):

- ``Detector.append``: the URL and e-mail patterns and ``NGram.normalize_vi`` are
  langdetect's own objects, applied in its order.  One is skipped only where it
  cannot match: every e-mail match holds an ``@``, every ``normalize_vi`` match one of
  its combining marks.  The character loop keeps ``text[:max_text_length]`` less each
  U+0020 that follows a U+0020: the cut, then ``' {2,}' -> ' '``.  A long text is
  cleaned by prefixes (16K, 64K, ... characters): the patterns look at most 2084
  (URL), 575 (e-mail) and 2 (normalize_vi) characters from where a match starts, so
  the cleaned prefix and the cleaned whole differ at most in what the last 2084 + 575
  + 2 characters of the prefix give; once the cleaned prefix is ``max_text_length +
  _CUT_MARGIN`` long, its first ``max_text_length`` characters are the whole's (the
  argument of ``constraints.text._language_prefix``).
- ``Detector.cleaning_text``: ``unicode_block(ch)`` (an int) is compared with a string,
  so the non-Latin count is the number of characters from U+0300 on; the Latin count
  is that of ``'A' <= ch <= 'z'``, and the removal removes that range.  Both are
  counted with regular expressions over the same code-point ranges.
- ``Detector._extract_ngrams``: ``NGram.normalize`` maps one character to one
  character and depends on nothing else, so the text is normalized at once by
  ``str.translate`` over a table that asks ``NGram.normalize`` about each character
  the first time it is seen.  ``NGram.add_char`` never looks back past the last U+0020
  (after one it restarts from ``' '``), and its ``capitalword`` at a character is "this
  and the previous normalized character are upper case" (a character that is not
  clears it, a restart clears it).  So the n-grams of the text are, in order, those of
  each piece of ``normalized.split(' ')`` read as ``' ' + piece`` and then the space
  after it (none after the last piece; an empty piece gives nothing): for each
  character not in a capital word, its 1-, 2- and 3-gram (those that fit after the
  leading space), and for the closing space its 2- and 3-gram, each kept if it is a
  profile n-gram.  A piece's n-grams are computed once and reused.
- the trials (``_detect_block``): langdetect's ``random.Random`` calls in its order
  (``seed``, one ``gauss`` per trial, one ``choice(ngrams)`` per iteration, over the
  same list) and the same IEEE double operations in the same order:
  ``prob[i] * (weight + p[i])``, ``sum(prob)`` by the builtin ``sum`` (on a list of
  the same floats), ``prob[i] / sump``, the convergence test (``maxp > CONV_THRESHOLD``
  over the non-NaN values), ``langprob[j] + prob[j] / n_trial``, and the stable sort of
  the probabilities above ``PROB_THRESHOLD``.  They run on Python floats, or on numpy
  float64 arrays once numpy is in the process (imported by someone else, or by this
  module after ``_NUMPY_AFTER`` detections, when the import has paid for itself):
  numpy's elementwise ``+``, ``*`` and ``/`` are the same correctly rounded IEEE
  operations, one ufunc call each (nothing fused), and a zero ``sump`` raises
  ZeroDivisionError as Python's division does.
- the profiles (``DetectorFactory.load_profile``): the files in ``os.listdir`` order
  (langdetect's language order) read with langdetect's own ``json`` module; a
  language's value of an n-gram is ``1.0 * freq / n_words[len - 1]``, as in
  ``add_profile``, and 0.0 for a language without it.  A row is built the first time its
  n-gram is drawn, and whether a string is a profile n-gram is asked of the profiles'
  ``freq`` dicts the first time it is seen: no per-word loop over the 184,000 entries.
  The profiles must be the ones langdetect 1.0.9 ships (sha-256 of names and contents),
  which langdetect loads without error.

``fast_detector()`` returns None (callers then run langdetect itself) unless the
installed langdetect is the one this was written against: the sha-256 of the source
files whose code is re-expressed here, the constants and defaults used, the patterns,
and the profiles.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import sys
from collections.abc import Callable
from functools import lru_cache
from itertools import chain
from operator import itemgetter, mul
from typing import Any

# sha-256 of the hex sha-256 digests, joined by newlines, of langdetect 1.0.9's
# detector.py, detector_factory.py, utils/ngram.py, utils/lang_profile.py and
# language.py: the code re-expressed in this module.
_SOURCE_SHA256 = "f07477d36fa7c1baaa152bdf6ce897131185eae2eb2a20928d5810b1055830d6"
_SOURCE_FILES = (
    "detector.py",
    "detector_factory.py",
    os.path.join("utils", "ngram.py"),
    os.path.join("utils", "lang_profile.py"),
    "language.py",
)
# sha-256 of the lines "<file name> <sha-256 of its text (utf-8)>" of the 55 profiles of
# langdetect 1.0.9, sorted by name and joined by newlines.
_PROFILES_SHA256 = "9840f1ea0d0d10fff13fb09679a8f71529c3d6e78b84734225a0ca39a4ea26b2"

_DETECTOR_CONSTANTS: dict[str, Any] = {
    "ALPHA_DEFAULT": 0.5,
    "ALPHA_WIDTH": 0.05,
    "ITERATION_LIMIT": 1000,
    "PROB_THRESHOLD": 0.1,
    "CONV_THRESHOLD": 0.99999,
    "BASE_FREQ": 10000,
    "UNKNOWN_LANG": "unknown",
}
_DETECTOR_DEFAULTS: dict[str, Any] = {  # a new Detector's attributes
    "alpha": 0.5,
    "n_trial": 7,
    "max_text_length": 10000,
    "prior_map": None,
    "verbose": False,
    "text": "",
    "langprob": None,
}
_URL_PATTERN = r"https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076}"
_MAIL_PATTERN = r"[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}"

_CUT_MARGIN = 2084 + 576 + 2 + 64
_FIRST_PREFIX = 1 << 14
_NUMPY_AFTER = 200  # detections on Python floats before numpy is imported for the trials

_SPACE_RUNS = re.compile(" {2,}")
_LATIN = re.compile("[A-z]+")  # 'A' <= ch <= 'z'
_BELOW_0300 = re.compile("[\x00-\u02ff]+")  # ch < '\u0300'
_MAX_PIECES = 200_000  # bound on the per-piece n-gram cache


class _NormalizeTable(dict[int, str]):
    """``str.translate`` table of ``NGram.normalize``, filled on first use of a character."""

    def __init__(self, normalize: Callable[[str], str]):
        super().__init__()
        self._normalize = normalize

    def __missing__(self, code: int) -> str:
        out = self._normalize(chr(code))
        if not (isinstance(out, str) and len(out) == 1):
            raise ValueError(f"NGram.normalize({chr(code)!r}) is not one character")
        self[code] = out
        return out


class FastDetector:
    """langdetect's detection over its profiles (see the module docstring)."""

    def __init__(self, langs: list[str], freqs: list[dict[str, int]], n_words: list[list[int]]):
        from langdetect.detector import Detector
        from langdetect.utils.ngram import NGram

        self.langs = tuple(langs)
        self._freqs = freqs  # per language, its profile's n-gram counts
        # per n-gram length - 1, each language's n_words (the division of add_profile)
        self._totals = [[counts[k] for counts in n_words] for k in range(3)]
        self._known: dict[str, bool] = {}  # string -> is it an n-gram of some profile
        self._rows: dict[str, list[float]] = {}
        self._arrays: dict[str, Any] = {}  # the rows as numpy arrays
        self._pieces: dict[str, tuple[str, ...]] = {}
        self._normalize = _NormalizeTable(NGram.normalize)
        self._url_sub = Detector.URL_RE.sub
        self._mail_sub = Detector.MAIL_RE.sub
        self._normalize_vi = NGram.normalize_vi
        self._marks = tuple(NGram.DMARK_CLASS)
        self.max_text_length: int = _DETECTOR_DEFAULTS["max_text_length"]
        self.detections = 0
        self._no_numpy = False

    # Detector.append -------------------------------------------------------------

    def _strip(self, text: str) -> str:
        """URL_RE, MAIL_RE and normalize_vi, as ``Detector.append`` applies them."""
        text = self._url_sub(" ", text)
        if "@" in text:
            text = self._mail_sub(" ", text)
        for mark in self._marks:
            if mark in text:
                return self._normalize_vi(text)
        return text

    def read(self, text: str) -> str:
        """``detector.text`` after ``detector.append(text)`` on a new detector."""
        keep = self.max_text_length
        size = _FIRST_PREFIX
        while True:
            if size >= len(text):
                cleaned = self._strip(text)
                break
            cleaned = self._strip(text[:size])
            if len(cleaned) >= keep + _CUT_MARGIN:
                break
            size *= 4
        cleaned = cleaned[:keep]
        if "  " in cleaned:
            cleaned = _SPACE_RUNS.sub(" ", cleaned)
        return cleaned

    # Detector.cleaning_text ------------------------------------------------------

    @staticmethod
    def clean(text: str) -> str:
        """``detector.text`` after ``cleaning_text()``."""
        if text.isascii():  # no character from U+0300 on: nothing is removed
            return text
        latin = len(text) - len(_LATIN.sub("", text))
        non_latin = len(_BELOW_0300.sub("", text))
        if latin * 2 < non_latin:
            return _LATIN.sub("", text)
        return text

    # Detector._extract_ngrams ------------------------------------------------------

    def _is_ngram(self, gram: str) -> bool:
        """``gram in word_lang_prob_map``."""
        known = self._known.get(gram)
        if known is None:
            known = self._known[gram] = any(gram in freq for freq in self._freqs)
        return known

    def _piece_ngrams(self, piece: str, spaced: bool) -> tuple[str, ...]:
        """The n-grams ``NGram`` gives for ``' ' + piece`` (then ``' '`` if ``spaced``)."""
        if not piece:
            return ()
        is_ngram = self._is_ngram
        out: list[str] = []
        padded = " " + piece + " " if spaced else " " + piece
        upper_before = False
        for k, ch in enumerate(piece, 1):  # padded[k] == ch
            upper = ch.isupper()
            if upper and upper_before:  # NGram.capitalword
                continue
            upper_before = upper
            grams = (ch, padded[k - 1 : k + 1], padded[k - 2 : k + 1]) if k > 1 else (ch, padded[:2])
            out += [gram for gram in grams if is_ngram(gram)]
        if spaced:  # the closing space: its 1-gram is ' ', never kept
            k = len(piece) + 1
            out += [gram for gram in (padded[k - 1 :], padded[k - 2 :]) if is_ngram(gram)]
        return tuple(out)

    def ngrams(self, text: str) -> list[str]:
        """``detector._extract_ngrams()`` for ``detector.text == text``."""
        pieces = text.translate(self._normalize).split(" ")
        last = pieces.pop()
        cache = self._pieces
        new = set(pieces).difference(cache)
        if len(cache) + len(new) > _MAX_PIECES:  # start again (a new dict: threads keep theirs)
            self._pieces = cache = {}
            self._known = {}
            new = set(pieces)
        for piece in new:
            cache[piece] = self._piece_ngrams(piece, True)
        out = list(chain.from_iterable(map(cache.__getitem__, pieces)))
        out += self._piece_ngrams(last, False)
        return out

    # Detector._detect_block and what it calls --------------------------------------

    def _row(self, gram: str) -> list[float]:
        """``word_lang_prob_map[gram]`` (its ``len(langlist)`` entries)."""
        row = self._rows.get(gram)
        if row is None:
            totals = self._totals[len(gram) - 1]
            row = self._rows[gram] = [
                1.0 * freq[gram] / total if gram in freq else 0.0
                for freq, total in zip(self._freqs, totals, strict=True)
            ]
        return row

    def _trials_python(self, ngrams: list[str], seed: int | None) -> list[float]:
        """``_detect_block``'s ``langprob`` on Python floats."""
        alpha0, n_trial = _DETECTOR_DEFAULTS["alpha"], _DETECTOR_DEFAULTS["n_trial"]
        width, base_freq = _DETECTOR_CONSTANTS["ALPHA_WIDTH"], _DETECTOR_CONSTANTS["BASE_FREQ"]
        conv, limit = _DETECTOR_CONSTANTS["CONV_THRESHOLD"], _DETECTOR_CONSTANTS["ITERATION_LIMIT"]
        n = len(self.langs)
        langprob = [0.0] * n
        rng = random.Random()
        rng.seed(seed)
        choice, gauss, row = rng.choice, rng.gauss, self._row
        for _ in range(n_trial):
            prob = [1.0 / n] * n
            alpha = alpha0 + gauss(0.0, 1.0) * width
            weight = alpha / base_freq
            i = 0
            while True:
                prob = list(map(mul, prob, [weight + p for p in row(choice(ngrams))]))
                if i % 5 == 0:
                    sump = sum(prob)
                    prob = [p / sump for p in prob]
                    maxp = max(prob)  # NaN only if prob[0] is: then look at every value
                    converged = maxp > conv if maxp == maxp else any(p > conv for p in prob)
                    if converged or i >= limit:
                        break
                i += 1
            langprob = [total + p / n_trial for total, p in zip(langprob, prob, strict=True)]
        return langprob

    def _trials_numpy(self, ngrams: list[str], seed: int | None) -> list[float]:
        """``_detect_block``'s ``langprob`` on numpy float64 arrays (the same operations)."""
        import numpy as np

        alpha0, n_trial = _DETECTOR_DEFAULTS["alpha"], _DETECTOR_DEFAULTS["n_trial"]
        width, base_freq = _DETECTOR_CONSTANTS["ALPHA_WIDTH"], _DETECTOR_CONSTANTS["BASE_FREQ"]
        conv, limit = _DETECTOR_CONSTANTS["CONV_THRESHOLD"], _DETECTOR_CONSTANTS["ITERATION_LIMIT"]
        n = len(self.langs)
        arrays = self._arrays
        langprob = np.zeros(n, dtype=np.float64)
        rng = random.Random()
        rng.seed(seed)
        choice, gauss = rng.choice, rng.gauss
        with np.errstate(all="ignore"):  # inf and NaN come silently, as with Python floats
            for _ in range(n_trial):
                prob = np.full(n, 1.0 / n, dtype=np.float64)
                alpha = alpha0 + gauss(0.0, 1.0) * width
                weight = alpha / base_freq
                i = 0
                while True:
                    gram = choice(ngrams)
                    row = arrays.get(gram)
                    if row is None:
                        row = arrays[gram] = np.array(self._row(gram), dtype=np.float64)
                    prob *= weight + row
                    if i % 5 == 0:
                        sump = sum(prob.tolist())
                        if sump == 0.0:
                            raise ZeroDivisionError("float division by zero")
                        prob /= sump
                        maxp = prob.max()  # NaN if any value is
                        converged = maxp > conv if maxp == maxp else bool((prob > conv).any())
                        if converged or i >= limit:
                            break
                    i += 1
                langprob += prob / n_trial
        return langprob.tolist()

    def _numpy_ready(self) -> bool:
        """Whether the trials run on numpy: once it is imported, by someone else or here
        after ``_NUMPY_AFTER`` detections (where numpy cannot be imported, never)."""
        if "numpy" in sys.modules:
            return True
        if self.detections <= _NUMPY_AFTER or self._no_numpy:
            return False
        try:
            import numpy  # noqa: F401
        except ImportError:
            self._no_numpy = True
            return False
        return True

    def probabilities(self, text: str, seed: int | None = 0) -> list[tuple[str, float]] | None:
        """``[(l.lang, l.prob) for l in detector.get_probabilities()]`` after
        ``append(text)`` with ``detector.seed = seed``; None where that raises
        LangDetectException (no n-gram)."""
        ngrams = self.ngrams(self.clean(self.read(text)))
        if not ngrams:
            return None
        self.detections += 1
        if self._numpy_ready():
            langprob = self._trials_numpy(ngrams, seed)
        else:
            langprob = self._trials_python(ngrams, seed)
        threshold = _DETECTOR_CONSTANTS["PROB_THRESHOLD"]
        result = [(lang, p) for lang, p in zip(self.langs, langprob, strict=True) if p > threshold]
        result.sort(key=itemgetter(1), reverse=True)  # stable, as list.sort of Language
        return result

    def detect(self, text: str, seed: int | None = 0) -> str | None:
        """``detector.detect()`` after ``append(text)`` with ``detector.seed = seed``;
        None where that raises LangDetectException."""
        result = self.probabilities(text, seed)
        if result is None:
            return None
        return result[0][0] if result else _DETECTOR_CONSTANTS["UNKNOWN_LANG"]


# loading and checking ------------------------------------------------------------------


def _source_sha256(package_dir: str) -> str:
    digests = []
    for name in _SOURCE_FILES:
        with open(os.path.join(package_dir, name), "rb") as f:
            digests.append(hashlib.sha256(f.read()).hexdigest())
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()


def _same_langdetect(package_dir: str) -> bool:
    """Whether the installed langdetect is the code and constants this reproduces."""
    import types

    from langdetect.detector import Detector
    from langdetect.utils.ngram import NGram

    if _source_sha256(package_dir) != _SOURCE_SHA256:
        return False
    if any(getattr(Detector, k, None) != v for k, v in _DETECTOR_CONSTANTS.items()):
        return False
    detector = Detector(types.SimpleNamespace(word_lang_prob_map={}, langlist=[], seed=None))
    if any(getattr(detector, k, None) != v for k, v in _DETECTOR_DEFAULTS.items()):
        return False
    if (Detector.URL_RE.pattern, Detector.MAIL_RE.pattern) != (_URL_PATTERN, _MAIL_PATTERN):
        return False
    marks, vowels = NGram.DMARK_CLASS, NGram.TO_NORMALIZE_VI_CHARS
    if NGram.ALPHABET_WITH_DMARK.pattern != f"([{vowels}])([{marks}])" or set(marks) & set("\\]^-["):
        return False
    return NGram.N_GRAM == 3


def _load_profiles(profile_dir: str) -> tuple[list[str], list[dict[str, int]], list[list[int]]] | None:
    """The profiles as ``DetectorFactory.load_profile`` reads them: names (its
    ``langlist``), ``freq`` and ``n_words``; None unless they are langdetect 1.0.9's."""
    from langdetect import detector_factory

    json_module = detector_factory.json  # the parser langdetect uses
    names: list[str] = []
    freqs: list[dict[str, int]] = []
    n_words: list[list[int]] = []
    digests = []
    for filename in os.listdir(profile_dir):
        path = os.path.join(profile_dir, filename)
        if filename.startswith(".") or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            content = f.read()
        digests.append(f"{filename} {hashlib.sha256(content.encode()).hexdigest()}")
        data = json_module.loads(content)  # json.load(f) is loads(f.read())
        names.append(data["name"])
        freqs.append(data["freq"])
        n_words.append(data["n_words"])
    if hashlib.sha256("\n".join(sorted(digests)).encode()).hexdigest() != _PROFILES_SHA256:
        return None
    return names, freqs, n_words


@lru_cache(maxsize=1)
def fast_detector() -> FastDetector | None:
    """The detector over langdetect's own profiles, or None where the installed
    langdetect is not the one this reproduces (callers then run langdetect)."""
    try:
        import langdetect

        package_dir = os.path.dirname(langdetect.__file__)
        if not _same_langdetect(package_dir):
            return None
        profiles = _load_profiles(os.path.join(package_dir, "profiles"))
    except (ImportError, OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return None if profiles is None else FastDetector(*profiles)
