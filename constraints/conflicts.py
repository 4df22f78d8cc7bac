"""Argument-level conflicts: two instances whose arguments contradict each other.

The type-level table lives in the registry.  Here the arguments decide: a
keyword needed more often than another constraint allows, a repeated prompt
that contains a comma beside "no commas", and so on.  Almost every rule is a
proof that no response can meet both under the checkers' exact semantics.
Two rules are contradictions of the instructions themselves, which MathIF's
checkers happen to let a contrived response slip through: the same word both
required and forbidden ("values" contains "value" but not the word "value"),
and all-capital section markers beside a limit on capital words.  The build
never pairs either; ``verify`` reports them as conflicts.  The joint witness
of the build is the proof of the other direction.

The reasoning works on *pieces*: texts a response is forced to contain (a
required keyword, the end phrase, the repeated prompt, a section marker).  A
piece's edge is "fixed" when nothing can be glued to it (the repeated prompt
starts the response; the end phrase ends it), otherwise a word character may
touch it and merge words or remove a word boundary.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .base import Instance
from .families.maths import count_display_equations
from .text import count_words, punkt_fixed_breaks

_REGEX_META = set(".^$*+?{}[]\\|()")


def _literal(pattern: str) -> bool:
    return not (set(pattern) & _REGEX_META)


@dataclass(frozen=True)
class Piece:
    text: str
    times: int = 1
    case_sensitive: bool = False
    left_fixed: bool = False
    right_fixed: bool = False
    owner: str = ""


def forced_pieces(inst: Instance) -> list[Piece]:
    """Texts any response meeting ``inst`` must contain (only where it is certain)."""
    a, fid = inst.args, inst.id
    if fid == "keywords:existence":
        return [Piece(k, owner=f"keyword {k!r}") for k in a["keywords"] if _literal(k)]
    if fid == "keywords:frequency" and a["relation"] == "at least":
        k = a["keyword"].strip()
        return [Piece(k, times=a["frequency"], owner=f"keyword {k!r}")] if _literal(k) else []
    if fid == "startend:end_checker":
        return [Piece(a["end_phrase"].strip(), right_fixed=True, owner="the end phrase")]
    if fid == "combination:repeat_prompt":
        return [Piece(a["prompt_to_repeat"].strip(), left_fixed=True, owner="the repeated prompt")]
    if fid == "detectable_format:multiple_sections":
        s = a["section_spliter"].strip()
        return [Piece(s, times=a["num_sections"], case_sensitive=True, owner=f"marker {s!r}")]
    return _extended_pieces(inst)


def _extended_pieces(inst: Instance) -> list[Piece]:
    """Pieces of the families beyond MathIF.  Whole words (first, last, used
    once, opening a paragraph) cannot be glued to other word characters."""
    a, fid = inst.args, inst.id
    fixed = {"left_fixed": True, "right_fixed": True}
    if fid == "keywords:word_once":
        return [Piece(a["keyword"], owner=f"the word {a['keyword']!r}", **fixed)]
    if fid == "first_word:first_word_answer":
        return [Piece(a["first_word"], owner="the first word", **fixed)]
    if fid == "last_word:last_word_answer":
        return [Piece(a["last_word"], owner="the last word", **fixed)]
    if fid == "length_constraint_checkers:nth_paragraph_first_word":
        return [Piece(a["first_word"], owner="the paragraph's first word", **fixed)]
    if fid == "detectable_content:postscript":
        return [Piece(a["postscript_marker"], owner="the postscript marker")]
    if fid in ("math:single_boxed", "math:answer_first"):
        return [Piece("\\boxed", case_sensitive=True, owner="\\boxed")]
    if fid == "math:variable_name":
        return [
            Piece("let", owner="'let'", **fixed),
            Piece(a["variable"], case_sensitive=True, owner=f"the variable {a['variable']!r}", **fixed),
        ]
    return []


def _min_sentences(piece: Piece) -> int:
    """Sentences (punkt's, as IFEval counts them) of any response holding the piece: one
    if it is not blank, and one for each of its sentence ends that stays one whatever
    surrounds it (its occurrences never overlap)."""
    if not piece.text.strip():
        return 0
    return max(1, punkt_fixed_breaks(piece.text) * piece.times)


def _protected_word(word: str, piece: Piece) -> bool:
    """``\\bword\\b`` occurs in the piece where no glued character can break it."""
    text = piece.text
    for m in re.finditer(rf"\b{re.escape(word)}\b", text, flags=re.IGNORECASE):
        left_ok = m.start() > 0 or piece.left_fixed or not re.match(r"\w", word[:1])
        right_ok = m.end() < len(text) or piece.right_fixed or not re.match(r"\w", word[-1:])
        if left_ok and right_ok:
            return True
    return False


def _min_words(piece: Piece) -> int:
    words = count_words(piece.text)
    glue = (0 if piece.left_fixed else 1) + (0 if piece.right_fixed else 1)
    return max(words - glue, 1 if words else 0)


def _forbids(inst: Instance, piece: Piece) -> str | None:
    a, fid = inst.args, inst.id
    if fid == "punctuation:no_comma" and "," in piece.text:
        return f"{piece.owner} contains a comma"
    if fid == "keywords:frequency" and a["relation"] == "less than":
        k = a["keyword"].strip()
        if _literal(k):
            found = len(re.findall(re.escape(k), piece.text, flags=re.IGNORECASE)) * piece.times
            if found >= a["frequency"]:
                return f"{piece.owner} holds {k!r} {found} times, fewer than {a['frequency']} allowed"
    if fid == "keywords:forbidden_words":
        for w in a["forbidden_words"]:
            if _literal(w) and _protected_word(w, piece):
                return f"{piece.owner} contains the forbidden word {w!r}"
    if fid == "length_constraint_checkers:number_words" and a["relation"] == "less than":
        need = _min_words(piece)
        if need >= a["num_words"]:
            return f"{piece.owner} alone has {need} words, less than {a['num_words']} allowed"
    if fid == "change_case:english_lowercase" and piece.case_sensitive:
        if any(c.isupper() for c in piece.text):
            return f"{piece.owner} has capital letters"
    if fid == "change_case:english_capital" and piece.case_sensitive:
        if any(c.islower() for c in piece.text):
            return f"{piece.owner} has lowercase letters"
    return _extended_forbids(inst, piece)


def _extended_forbids(inst: Instance, piece: Piece) -> str | None:
    a, fid = inst.args, inst.id
    if fid == "keywords:letter_frequency" and a["let_relation"] == "less than":
        found = piece.text.lower().count(a["letter"]) * piece.times
        if found >= a["let_frequency"]:
            return f"{piece.owner} holds the letter {a['letter']!r} {found} times, fewer than {a['let_frequency']} allowed"
    if fid == "count:word_count_range":
        need = _min_words(piece) * piece.times
        if need > a["max_words"]:
            return f"{piece.owner} alone has {need} words, at most {a['max_words']} allowed"
    if fid == "length_constraint_checkers:number_sentences" and a["relation"] == "less than":
        need = _min_sentences(piece)
        if need >= a["num_sentences"]:
            return f"{piece.owner} alone has {need} sentences, less than {a['num_sentences']} allowed"
    if fid == "keywords:word_once":
        # IFEvalG counts the word inside other words too; more than once is a contradiction,
        # once leaves no room for the word_once step of a joint witness, so neither is paired
        found = len(re.findall(re.escape(a["keyword"]), piece.text, flags=re.IGNORECASE)) * piece.times
        if found > 1:
            return f"{piece.owner} holds {a['keyword']!r} {found} times, once allowed"
        if found == 1:
            return f"{piece.owner} already holds {a['keyword']!r}, which must appear once"
    if fid == "math:max_display_equations":
        found = count_display_equations(piece.text) * piece.times
        if found > a["max_equations"]:
            return f"{piece.owner} has {found} display equations, at most {a['max_equations']} allowed"
    return None


def _relation_clash(x: Instance, y: Instance, key: str, rel: str, what: str) -> str | None:
    lo = x if x.args[rel] == "less than" else y
    hi = y if lo is x else x
    if lo.args[rel] == "less than" and hi.args[rel] == "at least" and hi.args[key] >= lo.args[key]:
        return f"{what}: at least {hi.args[key]} and less than {lo.args[key]}"
    return None


def _required_words(inst: Instance) -> set[str]:
    if inst.id == "keywords:existence":
        return {k.strip().lower() for k in inst.args["keywords"]}
    if inst.id == "keywords:frequency" and inst.args["relation"] == "at least":
        return {inst.args["keyword"].strip().lower()}
    return set()


_WORDY = frozenset(
    {
        "detectable_format:multiple_sections",
        "change_case:english_capital",
        "change_case:english_lowercase",
        "length_constraint_checkers:nth_paragraph_first_word",
        "detectable_content:postscript",
        "keywords:word_once",
        "first_word:first_word_answer",
        "last_word:last_word_answer",
        "keywords:start_end",
        "math:single_boxed",
        "math:answer_first",
        "math:answer_in_words",
        "math:variable_name",
        "math:reduced_fraction",
    }
)


def _needs_word_char(inst: Instance) -> bool:
    fid, a = inst.id, inst.args
    if fid == "change_case:capital_word_frequency":
        return a["capital_relation"] == "at least"
    if fid == "keywords:letter_frequency":
        return a["let_relation"] == "at least"
    if fid == "length_constraint_checkers:number_sentences":
        return a["relation"] == "at least"
    if fid == "count:word_count_range":
        return a["min_words"] >= 1
    return fid in _WORDY


def _direct(x: Instance, y: Instance) -> Iterator[str]:
    ids = {x.id, y.id}
    pair = {x.id: x, y.id: y}
    if x.id == y.id == "change_case:capital_word_frequency":
        if r := _relation_clash(x, y, "capital_frequency", "capital_relation", "capital words"):
            yield r
    if x.id == y.id == "length_constraint_checkers:number_words":
        if r := _relation_clash(x, y, "num_words", "relation", "words"):
            yield r
    if x.id == y.id == "language:response_language" and x.args["language"] != y.args["language"]:
        yield f"two languages: {x.args['language']} and {y.args['language']}"
    if x.id == y.id == "startend:end_checker":
        p, q = (i.args["end_phrase"].strip().lower() for i in (x, y))
        if not (p.endswith(q) or q.endswith(p)):
            yield f"two end phrases: {p!r} and {q!r}"
    if x.id == y.id == "combination:repeat_prompt":
        p, q = (i.args["prompt_to_repeat"].strip().lower() for i in (x, y))
        if not (p.startswith(q) or q.startswith(p)):
            yield "two different prompts to repeat first"
    if ids == {"change_case:english_capital", "change_case:english_lowercase"}:
        yield "all capital and all lowercase"
    if "language:response_language" in ids and ids & {
        "change_case:english_capital",
        "change_case:english_lowercase",
    }:
        lang = pair["language:response_language"].args["language"]
        if lang != "en":
            yield f"English required beside language {lang!r}"
    if "change_case:capital_word_frequency" in ids:
        cap = pair["change_case:capital_word_frequency"].args
        if "change_case:english_lowercase" in ids and cap["capital_relation"] == "at least":
            yield "capital words required in an all-lowercase response"
        if (
            "change_case:english_capital" in ids
            and cap["capital_relation"] == "less than"
            and cap["capital_frequency"] <= 1
        ):
            yield "an all-capital response has at least one capital word"
    if "keywords:forbidden_words" in ids and x.id != y.id:
        banned = {w.strip().lower() for w in pair["keywords:forbidden_words"].args["forbidden_words"]}
        other = y if x.id == "keywords:forbidden_words" else x
        for word in sorted(_required_words(other) & banned):
            yield f"the word {word!r} is both required and forbidden"
    if {"change_case:capital_word_frequency", "detectable_format:multiple_sections"} <= ids:
        cap = pair["change_case:capital_word_frequency"].args
        sec = pair["detectable_format:multiple_sections"].args
        marker = sec["section_spliter"].strip()
        if (
            cap["capital_relation"] == "less than"
            and marker.isupper()
            and sec["num_sections"] >= cap["capital_frequency"]
        ):
            yield f"{sec['num_sections']} {marker!r} markers but fewer than {cap['capital_frequency']} capital words"
    if ids == {"startend:quotation", "combination:repeat_prompt"}:
        if not pair["combination:repeat_prompt"].args["prompt_to_repeat"].strip().startswith('"'):
            yield "the response must start with the prompt and with a double quote"
    if "length_constraint_checkers:number_words" in ids and x.id != y.id:
        words = pair["length_constraint_checkers:number_words"]
        other = y if words is x else x
        if words.args["relation"] == "less than" and words.args["num_words"] <= 1:
            if _needs_word_char(other):
                yield f"{other.id} needs a word but fewer than 1 word is allowed"
    yield from _extended_direct(ids, pair)


def _extended_direct(ids: set[str], pair: dict[str, Instance]) -> Iterator[str]:
    """Contradictions between the families beyond MathIF and the rest."""
    nth_id, first_id = "length_constraint_checkers:nth_paragraph_first_word", "first_word:first_word_answer"
    if {nth_id, first_id} <= ids:
        nth, first = pair[nth_id].args, pair[first_id].args
        if nth["nth_paragraph"] == 1 and nth["first_word"].lower() != first["first_word"].lower():
            yield f"the response must start with {first['first_word']!r} and with {nth['first_word']!r}"
    if {"keywords:word_once", "keywords:frequency"} <= ids:
        once, freq = pair["keywords:word_once"].args, pair["keywords:frequency"].args
        if (
            freq["relation"] == "at least"
            and freq["frequency"] >= 2
            and freq["keyword"].strip().lower() == once["keyword"].lower()
        ):
            yield f"the word {once['keyword']!r} exactly once and at least {freq['frequency']} times"
    sentences_id = "length_constraint_checkers:number_sentences"
    if sentences_id in ids and len(ids) == 2 and pair[sentences_id].args["relation"] == "less than":
        other = next(pair[i] for i in ids if i != sentences_id)
        if pair[sentences_id].args["num_sentences"] <= 1:
            yield f"punkt finds a sentence in every non-blank response: fewer than 1 leaves {other.id} none"
    if {"format:sub-bullets", "length_constraint_checkers:number_paragraphs"} <= ids:
        if pair["length_constraint_checkers:number_paragraphs"].args["num_paragraphs"] >= 2:
            # IFBench's check: the piece between two stars of a *** divider holds no dash
            yield "paragraphs divided by *** leave pieces without a dash between their stars"
    if {"count:word_count_range", "keywords:start_end"} <= ids:
        if pair["count:word_count_range"].args["max_words"] < 2:
            yield "starting and ending with the same word needs two words"


def pair_conflicts(x: Instance, y: Instance) -> list[str]:
    """Reasons why no response can satisfy both ``x`` and ``y`` (empty if none is known)."""
    reasons = list(_direct(x, y))
    for a, b in ((x, y), (y, x)):
        for piece in forced_pieces(a):
            if reason := _forbids(b, piece):
                reasons.append(f"{a.id} vs {b.id}: {reason}")
    return reasons


def _can_overlap(a: str, b: str) -> bool:
    """Whether occurrences of ``a`` and ``b`` can share characters without one
    containing the other (a suffix of one is a prefix of the other)."""
    return any(a.endswith(b[:k]) or b.endswith(a[:k]) for k in range(1, min(len(a), len(b))))


def _letter_budget(instances: Sequence[Instance]) -> Iterator[str]:
    """A letter allowed fewer than N times against everything the others force
    together.  Texts inside another text are dropped; the rest add up only
    when no two of them can overlap (otherwise nothing is claimed)."""
    for limit in instances:
        if limit.id != "keywords:letter_frequency" or limit.args["let_relation"] != "less than":
            continue
        texts: dict[str, int] = {}
        for other in instances:
            for p in forced_pieces(other) if other is not limit else ():
                key = p.text.lower()
                times = 1 if _can_overlap(key, key) else p.times
                texts[key] = max(texts.get(key, 0), times)
        kept = {t: n for t, n in texts.items() if not any(t != u and t in u for u in texts)}
        if len(kept) < 2 or any(_can_overlap(a, b) for a, b in itertools.combinations(kept, 2)):
            continue
        letter = limit.args["letter"]
        found = sum(t.count(letter) * n for t, n in kept.items())
        if found >= limit.args["let_frequency"]:
            yield (
                f"the texts {sorted(kept)} hold the letter {letter!r} {found} times together, "
                f"fewer than {limit.args['let_frequency']} allowed"
            )


def instance_conflicts(instances: Sequence[Instance]) -> list[str]:
    """Every argument-level conflict between the instances of one item."""
    out: list[str] = []
    for i, x in enumerate(instances):
        for y in instances[i + 1 :]:
            out.extend(pair_conflicts(x, y))
    out.extend(_letter_budget(instances))
    return out


def self_conflicts(inst: Instance) -> list[str]:
    """An instance that no response can satisfy on its own."""
    if inst.id == "keywords:word_once":
        return []  # its one piece is the word it asks for once: that is no contradiction
    return [f"{inst.id}: {r}" for p in forced_pieces(inst) if (r := _forbids(inst, p))]
