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
from functools import lru_cache

_WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    return sum(1 for _ in _WORD.finditer(text))


@lru_cache(maxsize=1)
def _word_tokenizer():
    from nltk.tokenize.destructive import NLTKWordTokenizer

    return NLTKWordTokenizer()


def word_tokens(text: str) -> list[str]:
    """nltk's word tokens (Treebank rules: "CAN'T" -> "CA", "N'T"), no data needed."""
    return _word_tokenizer().tokenize(text)


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


def detect_language(text: str) -> str | None:
    """The langdetect code of ``text`` (seeded, deterministic) or None if undetectable."""
    from langdetect.lang_detect_exception import LangDetectException

    try:
        detector = _language_factory().create()
        detector.seed = LANGDETECT_SEED
        detector.append(text)
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


def trim_filler(text: str, max_words: int) -> str:
    """Drop filler words from the end backwards until ``text`` has at most ``max_words`` words."""
    excess = count_words(text) - max_words
    if excess <= 0:
        return text
    spans = [m for m in re.finditer(r"\b\w+\b", text) if m.group(0) in FILLER_SET]
    for m in reversed(spans):
        if excess <= 0:
            break
        text = text[: m.start()] + text[m.end() :]
        excess -= 1
    return re.sub(r"[ \t]{2,}", " ", text)


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
_TERMINATOR = re.compile(r"[.!?。！？।]+(?=\s|\Z)")
_TOKEN_BEFORE = re.compile(r"(\S{1,12})\Z")
ABBREVIATIONS = frozenset(
    {"p.s", "p.p.s", "e.g", "i.e", "etc", "vs", "cf", "mr", "mrs", "ms", "dr", "fig", "eq"}
)


def _is_abbreviation(text: str, end: int) -> bool:
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
    return len(split_sentences(text))


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
