"""Text measures shared by the families, with MathIF's exact semantics.

- words are ``\\w+`` tokens (MathIF counts with nltk's ``RegexpTokenizer(r"\\w+")``);
- capital words are the tokens of nltk's word tokenizer that are ``isupper()``.
  MathIF calls ``nltk.word_tokenize``, which first splits sentences with the
  punkt model (a data download).  Punkt only cuts at whitespace after a
  sentence-final period and the tokenizer then splits that period off, which
  never changes whether a token is upper case, so the count is the same
  without the sentence split and without any data download;
- language detection is langdetect with a fixed seed, so the same text always
  gets the same verdict.  ``None`` means no language could be detected.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import lru_cache

_WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    return sum(1 for _ in _WORD.finditer(text))


@lru_cache(maxsize=1)
def _word_tokenizer():
    return _nltk_tokenizer_module().NLTKWordTokenizer()


def _nltk_tokenizer_module():
    """nltk's ``nltk.tokenize.destructive``, loaded without running nltk's package
    ``__init__``, which imports all of nltk and with it scipy, scikit-learn and pandas where
    they are installed (two seconds, for a module that needs none of them).

    The two package modules are stood in for by empty packages over nltk's own folders
    while the tokenizer module and what it imports (``nltk.internals``, ``nltk.redos``, ...)
    load from nltk's files; every ``nltk`` entry added to ``sys.modules`` is then taken out
    again, so a later ``import nltk`` anywhere in the process is nltk's complete package.
    Where nltk is imported already, its module is used as it is.
    """
    import importlib
    import importlib.machinery
    import importlib.util
    import sys
    import types

    if "nltk" in sys.modules:
        return importlib.import_module("nltk.tokenize.destructive")
    spec = importlib.util.find_spec("nltk")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("No module named 'nltk'", name="nltk")
    root = list(spec.submodule_search_locations)[0]
    before = set(sys.modules)
    try:
        for name, folder in (("nltk", root), ("nltk.tokenize", os.path.join(root, "tokenize"))):
            package = types.ModuleType(name)
            package.__path__ = [folder]
            package.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
            package.__spec__.submodule_search_locations = [folder]
            sys.modules[name] = package
        return importlib.import_module("nltk.tokenize.destructive")
    finally:
        for name in set(sys.modules) - before:
            if name == "nltk" or name.startswith("nltk."):
                del sys.modules[name]


def word_tokens(text: str) -> list[str]:
    """nltk's word tokens (Treebank rules: "CAN'T" -> "CA", "N'T"), no data needed.

    The same steps as ``NLTKWordTokenizer.tokenize``, in its order and with its own
    compiled patterns, except that the steps which only pad a fixed set of
    characters with spaces (or collapse whitespace) run as ``str`` operations:
    the same string comes out, several times faster on long texts.  (nltk runs
    each pattern under a wall-clock limit of a few seconds, which a long response
    can reach on a slow machine, so its verdict would depend on the machine.)
    When nltk's rules are not the ones this was written against, nltk's own
    ``tokenize`` runs instead.
    """
    steps = _fast_steps()
    if steps is None:
        return _word_tokenizer().tokenize(text)
    for step in steps:
        text = step(text)
    return text.split()


def _sub(rx, repl: str):
    """``rx.sub(repl, .)`` without nltk's per-pattern time limit (its ``redos`` patterns
    take ``timeout=``; stdlib ones have no limit)."""
    if isinstance(rx, re.Pattern):
        return lambda text: rx.sub(repl, text)
    return lambda text: rx.sub(repl, text, timeout=None)


def _pad(chars: str):
    """`` \\g<0> `` for every character of ``chars``: one replace per character present."""

    def pad(text: str) -> str:
        for ch in chars:
            if ch in text:
                text = text.replace(ch, f" {ch} ")
        return text

    return pad


def _replace(old: str, new: str):
    return lambda text: text.replace(old, new)  # non-overlapping, left to right, as re.sub


_BACKTICK_RUNS = re.compile("(`+)")


def _starting_quotes(text: str) -> str:
    """``([«“‘„]|[`]+)`` -> `` \\1 ``: each such quote, and each run of backticks,
    padded (split on the runs, kept, and joined with spaces: the same string)."""
    text = _pad("«“‘„")(text)
    return " ".join(_BACKTICK_RUNS.split(text)) if "`" in text else text


_OPENING_QUOTE = re.compile(r"(?<=[ \(\[{<])(?:\"|\'{2})")


def _opening_quotes(text: str) -> str:
    """``([ \\(\\[{<])(\\"|\\'{2})`` -> ``\\1 `` ``: the quote after the opener becomes
    " `` ".  The opener is never a quote, so matching the quote after it (a
    lookbehind) finds the same quotes as consuming the opener."""
    return " `` ".join(_OPENING_QUOTE.split(text)) if ('"' in text or "''" in text) else text


_DOT_RUNS = re.compile(r"(\.{2,})")


def _dot_runs(text: str) -> str:
    """``\\.{2,}`` -> `` \\g<0> ``."""
    return " ".join(_DOT_RUNS.split(text)) if ".." in text else text


def _at_last_period(rx, repl: str):
    """A pattern ``([^\\.])(\\.)(CLASS)\\s*$`` (CLASS: closing brackets, quotes,
    maybe a space; never a period), run on the text from just before its last
    period: a match ends at the end and holds no period after its own, so it can
    only start there.  The rest of the text is never scanned."""
    sub = _sub(rx, repl)

    def run(text: str) -> str:
        k = text.rfind(".") - 1
        if k < 0:
            return text
        return text[:k] + sub(text[k:])

    return run


def _first_quote(text: str) -> str:
    """``^"`` -> two backticks."""
    return "``" + text[1:] if text.startswith('"') else text


def _pad_ends(text: str) -> str:
    """nltk's ``" " + text + " "``."""
    return " " + text + " "


@lru_cache(maxsize=1)
def _whitespace() -> tuple[frozenset[str], frozenset[str]]:
    """The characters nltk's ``\\s`` matches (its engine's idea of whitespace), and
    those ``str.split()`` splits on besides (the ``regex`` engine leaves out
    U+001C..U+001F, which ``str.isspace`` has)."""
    rx = _word_tokenizer().ENDING_QUOTES[3][0]
    spaces = [ch for ch in map(chr, range(0x3000 + 1)) if ch.isspace()]
    ours = frozenset(ch for ch in spaces if rx.fullmatch(ch))
    return ours, frozenset(spaces) - ours


def _collapse(text: str) -> str:
    """``\\s+`` -> " ": each run of whitespace becomes one space."""
    ours, others = _whitespace()
    if not any(ch in text for ch in others):  # str.split() splits exactly there
        words = text.split()
        if not words:
            return " " if text else ""
        return (" " if text[0] in ours else "") + " ".join(words) + (" " if text[-1] in ours else "")
    for ch in ours:
        if ch != " " and ch in text:
            text = text.replace(ch, " ")
    parts = text.split(" ")
    words = [p for p in parts if p]
    if not words:
        return " " if text else ""
    return (" " if not parts[0] else "") + " ".join(words) + (" " if not parts[-1] else "")


def _at_end(rx, repl: str):
    """A pattern ``X$`` where X is one character: run on the last two characters only
    (``$`` is the end, or just before a final newline)."""
    sub = _sub(rx, repl)
    return lambda text: text[:-2] + sub(text[-2:])


def _unless_absent(step, needles: tuple[str, ...], rx=None):
    """``step``, skipped when ``text`` holds none of ``needles`` (each is in every match
    of the step's pattern, so the step would change nothing); with ``rx`` (a stdlib
    pattern matching the needles as the step's own stdlib pattern does, case
    included), ``rx`` is the test instead."""

    def run(text: str) -> str:
        present = rx.search(text) is not None if rx is not None else any(n in text for n in needles)
        return step(text) if present else text

    return run


# What each pattern of NLTKWordTokenizer is expected to be, with its replacement
# (None: the pattern is run as it is; otherwise the str function doing the same).
_EXPECTED_STARTING = (
    ("([«“‘„]|[`]+)", r" \1 ", _starting_quotes),
    (r"^\"", r"``", _first_quote),
    (r"(``)", r" \1 ", _replace("``", " `` ")),
    (r"([ \(\[{<])(\"|\'{2})", r"\1 `` ", _opening_quotes),
    (r"(?i)(?<!\w)(\')(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w)", r"\1 ", None),
)
_EXPECTED_PUNCTUATION = (
    (r'([^\.])(\.)([\]\)}>"\'' "»”’ " r"]*+)\s*$", r"\1 \2 \3 ", "last period"),
    (r"([:,])([^\d])", r" \1 \2", None),
    (r"([:,])$", r" \1 ", "at end"),
    (r"\.{2,}", r" \g<0> ", _dot_runs),
    (r"[;@#$%&]", r" \g<0> ", _pad(";@#$%&")),
    (r"[\u2012-\u2015]", r" \g<0> ", _pad("\u2012\u2013\u2014\u2015")),
    (r'([^\.])(\.)([\]\)}>"\']*)\s*$', r"\1 \2\3 ", "last period"),
    (r"[?!]", r" \g<0> ", _pad("?!")),
    (r"([^'])' ", r"\1 ' ", None),
    (r"[*]", r" \g<0> ", _pad("*")),
)
_EXPECTED_ENDING = (
    ("([»”’])", r" \1 ", _pad("»”’")),
    (r"''", " '' ", _replace("''", " '' ")),
    (r'"', " '' ", _replace('"', " '' ")),
    (r"\s+", " ", _collapse),
    (r"([^' ])('[sS]|'[mM]|'[dD]|') ", r"\1 \2 ", "' 's 'S 'm 'M 'd 'D".split()),
    (r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", r"\1 \2 ", "'ll 'LL 're 'RE 've 'VE n't N'T".split()),
)
# Each contraction pattern, and the letters every match of it holds.
_CONTRACTION_LITERALS = {
    r"(?i)\b(can)(?#X)(not)\b": "cannot",
    r"(?i)\b(d)(?#X)('ye)\b": "d'ye",
    r"(?i)\b(gim)(?#X)(me)\b": "gimme",
    r"(?i)\b(gon)(?#X)(na)\b": "gonna",
    r"(?i)\b(got)(?#X)(ta)\b": "gotta",
    r"(?i)\b(lem)(?#X)(me)\b": "lemme",
    r"(?i)\b(more)(?#X)('n)\b": "more'n",
    r"(?i)\b(wan)(?#X)(na)(?=\s)": "wanna",
    r"(?i) ('t)(?#X)(is)\b": " 'tis",
    r"(?i) ('t)(?#X)(was)\b": " 'twas",
}


@lru_cache(maxsize=1)
def _fast_steps():
    """The tokenizer as a list of str -> str steps, or None if nltk's rules differ."""
    tok = _word_tokenizer()
    steps = []

    def add(rules, expected) -> bool:
        if len(rules) != len(expected):
            return False
        for (rx, repl), (pattern, want_repl, fast) in zip(rules, expected, strict=True):
            if (pattern is not None and rx.pattern != pattern) or repl != want_repl:
                return False
            if fast == "at end":
                steps.append(_at_end(rx, repl))
            elif fast == "last period":
                steps.append(_at_last_period(rx, repl))
            elif isinstance(fast, list):  # needles: one of them is in every match (case and all)
                steps.append(_unless_absent(_sub(rx, repl), tuple(n + " " for n in fast)))
            else:
                steps.append(fast if fast is not None else _sub(rx, repl))
        return True

    try:
        ok = add(tok.STARTING_QUOTES, _EXPECTED_STARTING) and add(tok.PUNCTUATION, _EXPECTED_PUNCTUATION)
        parens_rx, parens_repl = tok.PARENS_BRACKETS
        dashes_rx, dashes_repl = tok.DOUBLE_DASHES
        ok = ok and (parens_rx.pattern, parens_repl) == (r"[\]\[\(\)\{\}\<\>]", r" \g<0> ")
        ok = ok and (dashes_rx.pattern, dashes_repl) == (r"--", r" -- ")
        if not ok:
            return None
        steps += [_pad("][(){}<>"), _replace("--", " -- "), _pad_ends]
        if not add(tok.ENDING_QUOTES, _EXPECTED_ENDING):
            return None
        for rx in (*tok.CONTRACTIONS2, *tok.CONTRACTIONS3):
            step = _sub(rx, r" \1 \2 ")
            literal = _CONTRACTION_LITERALS.get(rx.pattern)
            if literal is not None and isinstance(rx, re.Pattern) and rx.flags & re.IGNORECASE:
                # each contraction is rare: a search for its letters (same engine, same
                # case folding) skips the pattern, whose leading \b makes it slow
                step = _unless_absent(step, (), re.compile(re.escape(literal), rx.flags))
            steps.append(step)
    except (AttributeError, TypeError, ValueError):
        return None
    return steps


def count_capital_words(text: str) -> int:
    return sum(1 for tok in word_tokens(text) if tok.isupper())


@lru_cache(maxsize=1)
def _language_factory():
    import langdetect
    from langdetect.detector_factory import DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(os.path.join(os.path.dirname(langdetect.__file__), "profiles"))
    return factory


LANGDETECT_SEED = 0
# langdetect removes URLs (at most 2084 characters each) and e-mail addresses (at most
# 575) and joins Vietnamese letters with their combining marks (2 -> 1), then reads
# only the first ``max_text_length`` (10,000) characters of what is left.  A match
# cut by the end of a prefix changes at most the last URL_SPAN + MAIL_SPAN + 2
# characters of the prefix's result, so once that result is longer than
# max_text_length + _CUT_MARGIN, detection reads the same characters as on the whole.
_CUT_MARGIN = 2084 + 576 + 2 + 64
_FIRST_PREFIX = 1 << 16


def _language_prefix(text: str, keep: int) -> str:
    """The shortest prefix of ``text`` (of 64K, 256K, ... characters) that langdetect
    reads exactly as it reads the whole (``keep``: its max_text_length)."""
    from langdetect.detector import Detector
    from langdetect.utils.ngram import NGram

    size = _FIRST_PREFIX
    while size < len(text):
        prefix = text[:size]
        cleaned = NGram.normalize_vi(Detector.MAIL_RE.sub(" ", Detector.URL_RE.sub(" ", prefix)))
        if len(cleaned) >= keep + _CUT_MARGIN:
            return prefix
        size *= 4
    return text


def detect_language(text: str) -> str | None:
    """The langdetect code of ``text`` (seeded, deterministic) or None if undetectable.

    Where the installed langdetect is the one ``constraints.langdetect_fast``
    re-expresses, that module computes langdetect's verdict (the same random draws
    and the same float operations, so the same probabilities to the bit) several
    times faster, and loads the profiles in a fraction of langdetect's time.
    Otherwise langdetect itself runs, on a prefix long enough to give it the very
    characters it reads of the whole text (``_language_prefix``): the verdict is the
    same, and a long response costs no more than 64K characters.
    """
    from constraints.langdetect_fast import fast_detector

    fast = fast_detector()
    if fast is not None:
        return fast.detect(text, LANGDETECT_SEED)
    return _langdetect_language(text)


def warm_up() -> None:
    """Load now what the checkers otherwise load on first use: nltk's tokenizer steps and the
    language profiles (e.g. once before forking worker processes, which then share them)."""
    from constraints.langdetect_fast import fast_detector

    _fast_steps()
    if fast_detector() is None:
        _language_factory()


def _langdetect_language(text: str) -> str | None:
    """``detect_language`` by langdetect itself."""
    from langdetect.lang_detect_exception import LangDetectException

    try:
        detector = _language_factory().create()
        detector.seed = LANGDETECT_SEED
        detector.append(_language_prefix(text, detector.max_text_length))
        return detector.detect()
    except LangDetectException:
        return None


# ISO 639-1 codes and the names MathIF prints in its descriptions.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "es": "Spanish",
    "pt": "Portuguese",
    "ar": "Arabic",
    "hi": "Hindi",
    "fr": "French",
    "ru": "Russian",
    "de": "German",
    "ja": "Japanese",
    "it": "Italian",
    "bn": "Bengali",
    "uk": "Ukrainian",
    "th": "Thai",
    "ur": "Urdu",
    "ta": "Tamil",
    "te": "Telugu",
    "bg": "Bulgarian",
    "ko": "Korean",
    "pl": "Polish",
    "he": "Hebrew",
    "fa": "Persian",
    "vi": "Vietnamese",
    "ne": "Nepali",
    "sw": "Swahili",
    "kn": "Kannada",
    "mr": "Marathi",
    "gu": "Gujarati",
    "pa": "Punjabi",
    "ml": "Malayalam",
    "fi": "Finnish",
}

# One comma-free paragraph per language ("We solve the problem step by step.
# First we add the numbers. Then we check the result."), used by witnesses.
LANGUAGE_SAMPLES: dict[str, str] = {
    "en": "We solve the problem step by step. First we add the numbers. Then we check the result carefully.",
    "es": "Resolvemos el problema paso a paso. Primero sumamos los números. Luego comprobamos el resultado con cuidado.",
    "pt": "Resolvemos o problema passo a passo. Primeiro somamos os números. Depois verificamos o resultado com cuidado.",
    "ar": "نحل المسألة خطوة بخطوة. أولا نجمع الأعداد. ثم نتحقق من النتيجة بعناية.",
    "hi": "हम समस्या को कदम दर कदम हल करते हैं। पहले हम संख्याओं को जोड़ते हैं। फिर हम परिणाम की ध्यान से जाँच करते हैं।",
    "fr": "Nous résolvons le problème étape par étape. D'abord nous additionnons les nombres. Ensuite nous vérifions le résultat avec soin.",
    "ru": "Мы решаем задачу шаг за шагом. Сначала мы складываем числа. Затем мы внимательно проверяем результат.",
    "de": "Wir lösen die Aufgabe Schritt für Schritt. Zuerst addieren wir die Zahlen. Dann prüfen wir das Ergebnis sorgfältig.",
    "ja": "私たちは問題を一歩ずつ解きます。まず数を足します。次に結果を注意深く確認します。",
    "it": "Risolviamo il problema passo dopo passo. Prima sommiamo i numeri. Poi controlliamo il risultato con attenzione.",
    "bn": "আমরা সমস্যাটি ধাপে ধাপে সমাধান করি। প্রথমে আমরা সংখ্যাগুলি যোগ করি। তারপর আমরা ফলাফলটি সাবধানে পরীক্ষা করি।",
    "uk": "Ми розв'язуємо задачу крок за кроком. Спочатку ми додаємо числа. Потім ми уважно перевіряємо результат.",
    "th": "เราแก้โจทย์ทีละขั้นตอน ก่อนอื่นเราบวกตัวเลขเข้าด้วยกัน จากนั้นเราตรวจสอบผลลัพธ์อย่างระมัดระวัง",
    "ur": "ہم مسئلے کو قدم بہ قدم حل کرتے ہیں۔ پہلے ہم اعداد کو جمع کرتے ہیں۔ پھر ہم نتیجے کو غور سے جانچتے ہیں۔",
    "ta": "நாம் கணக்கை படிப்படியாக தீர்க்கிறோம். முதலில் எண்களை கூட்டுகிறோம். பிறகு முடிவை கவனமாக சரிபார்க்கிறோம்.",
    "te": "మనం సమస్యను దశల వారీగా పరిష్కరిస్తాము. ముందుగా సంఖ్యలను కలుపుతాము. తర్వాత ఫలితాన్ని జాగ్రత్తగా తనిఖీ చేస్తాము.",
    "bg": "Решаваме задачата стъпка по стъпка. Първо събираме числата. След това внимателно проверяваме резултата.",
    "ko": "우리는 문제를 단계별로 풉니다. 먼저 숫자를 더합니다. 그다음 결과를 주의 깊게 확인합니다.",
    "pl": "Rozwiązujemy zadanie krok po kroku. Najpierw dodajemy liczby. Potem starannie sprawdzamy wynik.",
    "he": "אנחנו פותרים את הבעיה צעד אחר צעד. קודם אנחנו מחברים את המספרים. אחר כך אנחנו בודקים את התוצאה בזהירות.",
    "fa": "ما مسئله را گام به گام حل می‌کنیم. ابتدا اعداد را با هم جمع می‌کنیم. سپس نتیجه را با دقت بررسی می‌کنیم.",
    "vi": "Chúng tôi giải bài toán từng bước một. Đầu tiên chúng tôi cộng các số lại. Sau đó chúng tôi kiểm tra kết quả thật cẩn thận.",
    "ne": "हामी समस्यालाई चरणबद्ध रूपमा समाधान गर्छौं। पहिले हामी सङ्ख्याहरू जोड्छौं। त्यसपछि हामी नतिजालाई ध्यानपूर्वक जाँच्छौं।",
    "sw": "Tunatatua tatizo hatua kwa hatua. Kwanza tunajumlisha namba. Kisha tunakagua jibu kwa makini sana.",
    "kn": "ನಾವು ಸಮಸ್ಯೆಯನ್ನು ಹಂತ ಹಂತವಾಗಿ ಪರಿಹರಿಸುತ್ತೇವೆ. ಮೊದಲು ಸಂಖ್ಯೆಗಳನ್ನು ಕೂಡಿಸುತ್ತೇವೆ. ನಂತರ ಫಲಿತಾಂಶವನ್ನು ಎಚ್ಚರಿಕೆಯಿಂದ ಪರಿಶೀಲಿಸುತ್ತೇವೆ.",
    "mr": "आम्ही समस्या टप्प्याटप्प्याने सोडवतो. आधी आम्ही संख्यांची बेरीज करतो. नंतर आम्ही उत्तर काळजीपूर्वक तपासतो.",
    "gu": "અમે સમસ્યાને પગલે પગલે ઉકેલીએ છીએ. પહેલા અમે સંખ્યાઓ ઉમેરીએ છીએ. પછી અમે પરિણામ ધ્યાનથી તપાસીએ છીએ.",
    "pa": "ਅਸੀਂ ਸਮੱਸਿਆ ਨੂੰ ਕਦਮ ਦਰ ਕਦਮ ਹੱਲ ਕਰਦੇ ਹਾਂ। ਪਹਿਲਾਂ ਅਸੀਂ ਸੰਖਿਆਵਾਂ ਨੂੰ ਜੋੜਦੇ ਹਾਂ। ਫਿਰ ਅਸੀਂ ਨਤੀਜੇ ਦੀ ਧਿਆਨ ਨਾਲ ਜਾਂਚ ਕਰਦੇ ਹਾਂ।",
    "ml": "നമ്മൾ പ്രശ്നം പടിപടിയായി പരിഹരിക്കുന്നു. ആദ്യം സംഖ്യകൾ കൂട്ടുന്നു. പിന്നീട് ഫലം ശ്രദ്ധയോടെ പരിശോധിക്കുന്നു.",
    "fi": "Ratkaisemme tehtävän vaihe vaiheelta. Ensin laskemme luvut yhteen. Sitten tarkistamme tuloksen huolellisesti.",
}

# Maths words the keyword families draw from (lower case, letters only).
MATH_WORDS: tuple[str, ...] = (
    "answer", "because", "case", "condition", "configuration", "denote", "equal",
    "equation", "expression", "find", "formula", "function", "furthermore", "given",
    "identical", "length", "maximum", "note", "number", "point", "possible", "problem",
    "question", "respectively", "root", "side", "similar", "simply", "solution",
    "strategy", "theorem", "therefore", "total", "valid", "value", "yield",
)  # fmt: skip

# Neutral English filler without commas, capitals or any MATH_WORDS entry.
FILLER_WORDS: tuple[str, ...] = (
    "we", "add", "the", "two", "numbers", "and", "check", "each", "step", "again",
    "then", "write", "down", "our", "work", "so", "it", "stays", "clear",
)  # fmt: skip


FILLER_SET = frozenset(FILLER_WORDS)


def _without_spans(text: str, spans: list[re.Match[str]]) -> str:
    """``text`` with the (ordered, disjoint) ``spans`` cut out, then runs of blanks
    made one space: what cutting them one by one, from the end, gives."""
    pieces, cursor = [], 0
    for m in spans:
        pieces.append(text[cursor : m.start()])
        cursor = m.end()
    pieces.append(text[cursor:])
    return re.sub(r"[ \t]{2,}", " ", "".join(pieces))


def trim_filler(text: str, max_words: int) -> str:
    """Drop filler words from the end backwards until ``text`` has at most ``max_words`` words."""
    excess = count_words(text) - max_words
    if excess <= 0:
        return text
    spans = [m for m in re.finditer(r"\b\w+\b", text) if m.group(0) in FILLER_SET]
    return _without_spans(text, spans[max(0, len(spans) - excess) :])


def filler(n_words: int) -> str:
    """``n_words`` lower-case English words, comma free, ending with a period."""
    if n_words <= 0:
        return ""
    words = [FILLER_WORDS[i % len(FILLER_WORDS)] for i in range(n_words)]
    return " ".join(words) + "."


# Sentences (for the families beyond MathIF).  IFEval counts sentences with
# nltk's punkt model, a data download; here a sentence ends at ``.``, ``!`` or
# ``?`` (or their CJK forms, or the Devanagari danda) followed by whitespace or
# the end of the text, except after a few abbreviations ("P.S.", "e.g.",
# "i.e.", ...).  A sentence must hold a word character: "..." or "$$" alone is
# not one.
# A run of terminators is only tried from its first character (the lookbehind), and
# never given back (possessive): a shorter part of a run is followed by another
# terminator, never by whitespace, so these are the matches of the plain
# ``[.!?。！？।]+(?=\s|\Z)``, which re-read a long run from each of its characters.
_TERMINATOR = re.compile(r"(?<![.!?。！？।])[.!?。！？।]++(?=\s|\Z)")
_TOKEN_BEFORE = re.compile(r"(\S{1,12})\Z")
ABBREVIATIONS = frozenset(
    {"p.s", "p.p.s", "e.g", "i.e", "etc", "vs", "cf", "mr", "mrs", "ms", "dr", "fig", "eq"}
)


# The last letters of ABBREVIATIONS, in both cases: a token whose lower-cased
# form is one of them ends with one (no other character lower-cases to an ASCII
# letter of this set), so a terminator after anything else skips the look-up.
_ABBREVIATION_ENDS = frozenset(
    "".join(a[-1] for a in ABBREVIATIONS) + "".join(a[-1] for a in ABBREVIATIONS).upper()
)


def _is_abbreviation(text: str, end: int) -> bool:
    if end == 0 or text[end - 1] not in _ABBREVIATION_ENDS:
        return False
    m = _TOKEN_BEFORE.search(text, max(0, end - 12), end)
    return m is not None and m.group(1).lower().lstrip("(\"'") in ABBREVIATIONS


def sentence_ends(text: str) -> list[re.Match[str]]:
    """The terminators that end a sentence (abbreviations excluded)."""
    return [m for m in _TERMINATOR.finditer(text) if not _is_abbreviation(text, m.start())]


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (segments holding at least one word character)."""
    out, start = [], 0
    for m in sentence_ends(text):
        out.append(text[start : m.end()])
        start = m.end()
    out.append(text[start:])
    return [s.strip() for s in out if _WORD.search(s)]


def count_sentences(text: str) -> int:
    """``len(split_sentences(text))`` without building the sentences."""
    count, start, search = 0, 0, _WORD.search
    for m in _TERMINATOR.finditer(text):
        if _is_abbreviation(text, m.start()):
            continue
        end = m.end()
        if search(text, start, end):
            count += 1
        start = end
    return count + (1 if search(text, start) else 0)


def drop_filler(text: str, done, which=lambda word: True) -> str:
    """Drop filler words that ``which`` accepts, from the end backwards, until
    ``done(text)`` holds (or none is left).  Other words are never touched."""
    spans = [
        m for m in re.finditer(r"\b\w+\b", text) if m.group(0).lower() in FILLER_SET and which(m.group(0))
    ]
    for m in reversed(spans):
        if done(text):
            break
        text = text[: m.start()] + text[m.end() :]
    return re.sub(r"[ \t]{2,}", " ", text)


def drop_filler_counted(
    text: str,
    value: int,
    enough: Callable[[int], bool],
    weight: Callable[[str], int],
    which=lambda word: True,
) -> str:
    """``drop_filler(text, lambda t: enough(measure(t)), which)`` for a ``measure``
    that adds up over words: ``value`` is ``measure(text)`` and dropping a word
    takes ``weight(word)`` off it (a word is a whole \\w+ run between non-word
    characters, so dropping it touches no other).  One pass instead of a
    measure of the whole text after each word."""
    spans = [
        m for m in re.finditer(r"\b\w+\b", text) if m.group(0).lower() in FILLER_SET and which(m.group(0))
    ]
    dropped: list[re.Match[str]] = []
    for m in reversed(spans):
        if enough(value):
            break
        dropped.append(m)
        value -= weight(m.group(0))
    return _without_spans(text, dropped[::-1])
