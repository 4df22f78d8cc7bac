"""What a reply of an OpenAI-compatible server becomes: one valid :class:`Generation`, or the
reason it is none (a :class:`BadReply`, which the backend retries like a 5xx).

A server's reply is untrusted.  The body must be a JSON object (UTF-8) with a
non-empty ``choices`` list whose first element has a ``message`` object.  Text
fields (``content``, ``reasoning_content``/``reasoning``) are a string, null, or
a list of parts: plain strings and ``{"type": "text", "text": ...}`` objects,
joined without separator; any other value or part is a bad reply.  ``content``
may be null only when reasoning came apart (a reasoning model that spent its
budget thinking); with neither the reply is bad.  ``finish_reason`` is a
string or null, else the reply is bad.  ``usage.completion_tokens`` that is not
an integer >= 0 (a negative number, a bool, a float, a string) is taken as
unknown (null): the text is sound and the count only sets the unit of the
length plots.  A lone surrogate (``"\\ud800"``, which JSON allows and UTF-8 cannot
encode) becomes U+FFFD, so every generation can be written and read back.

A reply of the raw completions endpoint (``/v1/completions``, what an intervention run
asks for each segment: see :func:`piece_of_completion`) is held to the same rules: a JSON
object with a non-empty ``choices`` list whose first element is an object with a string
``text``; ``finish_reason`` and ``usage.completion_tokens`` as above, the tokens counted
from the text when the count is unknown; one that says it reached its length with no
tokens is bad (each segment asks for one at least: taken, it would be asked again).

The functions are pure and never raise (:func:`piece_of_completion` raises only what its
``count`` raises).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from curation.core import clean_text
from curation.evaluation.intervention import Piece
from curation.evaluation.store import Generation


@dataclass(frozen=True)
class BadReply:
    """Why a reply makes no generation (retried; reported if every attempt is bad)."""

    reason: str


def _kind(value: Any) -> str:
    """A JSON value's kind, for messages (never the value: it may be long or echo a secret)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def decode_reply(body: bytes) -> Any:
    """The JSON document of a reply body, or a :class:`BadReply` (not JSON, truncated, not
    UTF-8, nested too deeply)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        what = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else "not JSON"
        return BadReply(f"a reply that is {what} ({len(body)} bytes)")  # no excerpt: it may echo a secret


def text_of(value: Any, name: str) -> str | None | BadReply:
    """A text field of a message: a string, null, or a list of text parts joined."""
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, list):
        return BadReply(f"message.{name} is {_kind(value)}, not text")
    parts: list[str] = []
    for i, part in enumerate(value):
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
            parts.append(part["text"])
        else:
            kind = part.get("type") if isinstance(part, dict) else None
            what = f"of type {kind!r}" if isinstance(kind, str) else _kind(part)
            return BadReply(f"message.{name}[{i}] is {what}, not a text part")
    return "".join(parts)


def _tokens(usage: Any) -> int | None:
    tokens = usage.get("completion_tokens") if isinstance(usage, dict) else None
    if isinstance(tokens, int) and not isinstance(tokens, bool) and tokens >= 0:
        return tokens
    return None  # missing or nonsense: unknown


def first_choice(reply: Any) -> dict[str, Any] | BadReply:
    """The first of a reply's ``choices`` (chat and completions replies alike), an object."""
    if not isinstance(reply, dict):
        return BadReply(f"the reply is {_kind(reply)}, not a JSON object")
    choices = reply.get("choices")
    if not isinstance(choices, list) or not choices:
        return BadReply("a reply without choices")
    choice = choices[0]
    if not isinstance(choice, dict):
        return BadReply(f"the first choice is {_kind(choice)}, not an object")
    return choice


def _finish(choice: dict[str, Any]) -> str | None | BadReply:
    finish = choice.get("finish_reason")
    if finish is not None and not isinstance(finish, str):
        return BadReply(f"finish_reason is {_kind(finish)}, not a string or null")
    return clean_text(finish) if finish is not None else None


def generation_of_reply(reply: Any, key: str, run: str, sample: int) -> Generation | BadReply:
    """The generation of sample ``sample`` of item ``key``, run ``run``, in a parsed reply."""
    if isinstance(reply, BadReply):
        return reply
    choice = first_choice(reply)
    if isinstance(choice, BadReply):
        return choice
    if not isinstance(choice.get("message"), dict):
        return BadReply("a reply whose first choice has no message object")
    message = choice["message"]
    content = text_of(message.get("content"), "content")
    if isinstance(content, BadReply):
        return content
    name = "reasoning_content" if message.get("reasoning_content") not in (None, "") else "reasoning"
    reasoning = text_of(message.get(name), name)
    if isinstance(reasoning, BadReply):
        return reasoning
    if content is None and not reasoning:
        return BadReply("a reply whose message has no content")
    content = content or ""
    output = f"<think>{reasoning}</think>{content}" if reasoning and "</think>" not in content else content
    finish = _finish(choice)
    if isinstance(finish, BadReply):
        return finish
    try:
        return Generation(
            key=key,
            run=run,
            sample=sample,
            output=clean_text(output),
            finish_reason=finish,
            completion_tokens=_tokens(reply.get("usage")),
        )
    except ValueError as exc:  # cannot happen with a request's own key, run and sample
        return BadReply(str(exc))


def read_reply(body: bytes, key: str, run: str, sample: int) -> Generation | BadReply:
    """A reply body straight to its generation (:func:`decode_reply`, then
    :func:`generation_of_reply`)."""
    return generation_of_reply(decode_reply(body), key, run, sample)


def piece_of_completion(body: bytes, count: Callable[[str], int]) -> Piece | BadReply:
    """One segment of an intervention run from a ``/v1/completions`` reply body: its text,
    its tokens (``usage.completion_tokens``, else ``count(text)``) and its finish reason."""
    reply = decode_reply(body)
    if isinstance(reply, BadReply):
        return reply
    choice = first_choice(reply)
    if isinstance(choice, BadReply):
        return choice
    text = choice.get("text")
    if not isinstance(text, str):
        return BadReply(f"choices[0].text is {_kind(text)}, not a string")
    finish = _finish(choice)
    if isinstance(finish, BadReply):
        return finish
    text = clean_text(text)
    tokens = _tokens(reply.get("usage"))
    tokens = count(text) if tokens is None else tokens
    if finish == "length" and tokens == 0:  # a segment asks for one token at least
        return BadReply("a reply that reached its length with no tokens")
    return Piece(text, tokens, finish)
