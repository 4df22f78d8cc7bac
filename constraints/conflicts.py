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

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .base import Instance
from .text import count_words

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
    return []


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


def _needs_word_char(inst: Instance) -> bool:
    fid, a = inst.id, inst.args
    if fid in ("change_case:english_capital", "change_case:english_lowercase"):
        return True
    if fid == "change_case:capital_word_frequency":
        return a["capital_relation"] == "at least"
    return fid == "detectable_format:multiple_sections"


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


def pair_conflicts(x: Instance, y: Instance) -> list[str]:
    """Reasons why no response can satisfy both ``x`` and ``y`` (empty if none is known)."""
    reasons = list(_direct(x, y))
    for a, b in ((x, y), (y, x)):
        for piece in forced_pieces(a):
            if reason := _forbids(b, piece):
                reasons.append(f"{a.id} vs {b.id}: {reason}")
    return reasons


def instance_conflicts(instances: Sequence[Instance]) -> list[str]:
    """Every argument-level conflict between the instances of one item."""
    out: list[str] = []
    for i, x in enumerate(instances):
        for y in instances[i + 1 :]:
            out.extend(pair_conflicts(x, y))
    return out


def self_conflicts(inst: Instance) -> list[str]:
    """An instance that no response can satisfy on its own."""
    return [f"{inst.id}: {r}" for p in forced_pieces(inst) if (r := _forbids(inst, p))]
