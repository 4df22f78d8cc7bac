"""The tokenizer of an intervention run (``mathif eval --intervention``), the same for both
backends.

A sample under an intervention is generated in segments, each a continuation of the text
so far, so the chat is rendered here, not by the server: the model's chat template
(with ``add_generation_prompt`` and the run's template arguments) gives the text the
assistant's turn starts from, and each segment's prompt is that text and the output so
far, as token ids (``add_special_tokens=False``: the template has put in what the model
wants).  The end-of-thinking marker is ``--think-end`` or the tokenizer's ``</think>``;
when it is one token, segments stop on its id (stop strings and ``min_tokens`` did not
combine in older vLLM), else on the string.  transformers is imported only here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from curation.core import InputError
from curation.evaluation.backends.base import chat_messages
from curation.evaluation.config import DEFAULT_MARKER, ChatOptions

MAX_MARKER_TOKENS = 16


def load_tokenizer(name: str, trust_remote_code: bool = False) -> Any:
    """The Hugging Face tokenizer of ``name`` (a local folder, or a Hub id in the cache), or
    one line that says why it cannot be loaded."""
    try:
        from transformers import AutoTokenizer
    except ImportError:
        raise InputError(
            None,
            None,
            "--intervention needs transformers for the model's tokenizer: pip install 'mathif[eval]'",
        ) from None
    try:
        return AutoTokenizer.from_pretrained(name, trust_remote_code=trust_remote_code)
    except Exception as exc:  # noqa: BLE001 - OSError, ValueError, a remote-code error...
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise InputError(
            None,
            None,
            f"--intervention: cannot load the tokenizer of {name!r} ({first}); "
            "pass --tokenizer with a local model folder or a cached Hub id",
        ) from None


def resolve_marker(tokenizer: Any, flag: str | None) -> str:
    """The end-of-thinking marker: ``--think-end``, else ``</think>`` when the tokenizer has
    it as one token; else one line that asks for the flag."""
    if flag is not None:
        if len(tokenizer.encode(flag, add_special_tokens=False)) == 0:
            raise InputError(None, None, f"--think-end {flag!r} is no token at all in this model's tokenizer")
        return flag
    if len(tokenizer.encode(DEFAULT_MARKER, add_special_tokens=False)) == 1:
        return DEFAULT_MARKER
    raise InputError(
        None,
        None,
        f"--intervention: this model's tokenizer has no {DEFAULT_MARKER} token (not a thinking model?); "
        "name the text that ends its thinking with --think-end",
    )


@dataclass
class Tokens:
    """A tokenizer with the run's chat options and end-of-thinking marker."""

    tokenizer: Any
    marker: str
    chat: ChatOptions

    def __post_init__(self) -> None:
        self._prefixes: dict[str, str] = {}
        ids = self.tokenizer.encode(self.marker, add_special_tokens=False)
        if not 0 < len(ids) <= MAX_MARKER_TOKENS:
            raise InputError(
                None,
                None,
                f"--think-end {self.marker!r} must be 1 to {MAX_MARKER_TOKENS} tokens, got {len(ids)}",
            )
        self.marker_ids: list[int] = list(ids)

    def prefix(self, prompt: str) -> str:
        """The rendered chat of one prompt, up to where the assistant's turn starts."""
        if prompt not in self._prefixes:
            rendered = self.tokenizer.apply_chat_template(
                chat_messages(prompt, self.chat),
                tokenize=False,
                add_generation_prompt=True,
                **(self.chat.chat_template_kwargs or {}),
            )
            if not isinstance(rendered, str):
                raise InputError(None, None, "--intervention: the chat template did not render to text")
            self._prefixes[prompt] = rendered
        return self._prefixes[prompt]

    def ids(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text, add_special_tokens=False))

    def count(self, text: str) -> int:
        return len(self.ids(text)) if text else 0

    @property
    def stop_token_ids(self) -> list[int] | None:
        """The marker's id when it is one token (the segments of the thinking stop on it)."""
        return self.marker_ids if len(self.marker_ids) == 1 else None

    @property
    def stop_strings(self) -> list[str] | None:
        """The marker as a stop string when it is several tokens."""
        return None if len(self.marker_ids) == 1 else [self.marker]

    def injected_tokens(self, texts: Sequence[str]) -> int:
        """Tokens the given injected texts add to a sample's context, at most."""
        return sum(self.count(t) + 1 for t in texts)
