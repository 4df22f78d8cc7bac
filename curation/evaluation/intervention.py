"""The paper's interventions on the reasoning, as a pure state machine over segments.

``mathif eval --intervention`` generates each sample in segments instead of in one
request, so that text can be put into the model's thinking:

* ``budget-force`` (s1's budget forcing): each time the model tries to end its thinking
  (it emits the end-of-thinking marker, or ends its turn), the end is suppressed and the
  extension text ("Wait") appended, ``extensions`` times; then the thinking is closed and
  the model answers;
* ``remind``: the first time the model tries to end its thinking, the item's constraint
  descriptions are put back into the thinking (``remind_template``), and the model goes on
  thinking; then the thinking is closed and the model answers (the run without constraints
  has nothing to remind: it is generated as with ``think-budget`` alone);
* ``think-budget``: the thinking is capped at ``think_budget`` tokens; when it runs out the
  thinking is closed for the model.

In every intervention, thinking that reaches ``think_budget`` is closed with the marker
and ``final_text`` ("Final Answer:", as s1), and the model gives its answer with what is
left of ``max_tokens`` (every token the model generates counts, thinking and answer; the
injected text does not).  A continuation after injected text asks for at least one token
(``min_tokens=1``): the model cannot end its thinking again at once.

The state of one sample is a :class:`SampleState`: it says what to ask the engine next
(:meth:`SampleState.ask`, an :class:`Ask`), takes what came back
(:meth:`SampleState.take`, a :class:`Piece`), and at the end makes the
:class:`~curation.evaluation.store.Generation`, with its ``spans``: the kind and length of
each piece of the output, so scoring can leave the injected text out
(:func:`scored_output`).  Both backends drive the same machine, so their samples agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from curation.core import sha256_int
from curation.evaluation.config import CONSTRAINTS_FIELD, DEFAULT_MARKER, INTERVENTIONS, Intervention
from curation.evaluation.store import INJECTED_SPANS, Generation

__all__ = ["INTERVENTIONS", "Ask", "Intervention", "Piece", "SampleState", "scored_output", "start"]


def describe_intervention(settings: dict[str, Any] | None) -> str:
    """One line for a report: which intervention ran, with its settings."""
    if not settings:
        return "none (one request per sample)"
    kind = settings.get("kind", "?")
    budget = settings.get("think_budget")
    cap = f"thinking capped at {budget:,} tokens" if isinstance(budget, int) else "thinking not capped"
    marker = settings.get("think_end")
    end = f", end of thinking {marker!r}" if marker else ""
    if kind == "budget-force":
        n = settings.get("extensions")
        what = f"budget-force: the end of thinking suppressed {n} time(s), {settings.get('extension_text')!r} appended"
    elif kind == "remind":
        what = "remind: the constraints put back into the thinking when it first tries to end"
    else:
        what = "think-budget"
    return f"{what}; {cap}{end}"


def reminder_text(template: str, descriptions: Sequence[str]) -> str | None:
    """The reminder of one prompt: ``template`` with ``{constraints}`` replaced by one
    ``- description`` line per constraint; None when there is nothing to remind."""
    lines = [d.strip() for d in descriptions if d.strip()]
    if not lines:
        return None
    return template.replace(CONSTRAINTS_FIELD, "\n".join(f"- {d}" for d in lines))


def segment_seed(seed: int, step: int) -> int:
    """The seed of segment ``step`` of a sample whose seed is ``seed`` (segment 0 keeps it)."""
    return seed if step == 0 else sha256_int(f"{seed}\0segment\0{step}", 4) & 0x3FFFFFFF


@dataclass(frozen=True)
class Ask:
    """One request for a segment: continue after ``text`` (the sample's output so far)."""

    text: str
    max_tokens: int
    min_tokens: int  # 1 after injected text: the model cannot end again at once
    thinking: bool  # stop at the end-of-thinking marker (else: at the end of the turn only)
    seed: int
    step: int


@dataclass(frozen=True)
class Piece:
    """What the engine gave for an :class:`Ask`: its text (the marker not included, or
    cut off here), its tokens, and its finish reason (``length``: it reached ``max_tokens``)."""

    text: str
    tokens: int
    finish: str | None


@dataclass
class SampleState:
    """One sample under an intervention, from its first segment to its generation."""

    intervention: Intervention
    marker: str  # the end-of-thinking marker's text
    max_tokens: int
    seed: int
    reminder: str | None = None  # remind: the text put back (None: the run without constraints)
    spans: list[tuple[str, str]] = field(default_factory=list)
    thinking: bool = True
    thinking_tokens: int = 0
    tokens: int = 0
    extensions: int = 0
    reminded: bool = False
    steps: int = 0
    finish: str | None = None
    done: bool = False

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.spans)

    def _think_left(self) -> int:
        budget = self.intervention.think_budget
        left = self.max_tokens - self.tokens
        return left if budget is None else min(left, budget - self.thinking_tokens)

    def ask(self) -> Ask | None:
        """The next segment to generate, or None: the sample is done."""
        while not self.done:
            left = self._think_left() if self.thinking else self.max_tokens - self.tokens
            if left > 0:
                injected = bool(self.spans) and self.spans[-1][0] in INJECTED_SPANS
                return Ask(
                    self.text,
                    left,
                    1 if injected else 0,
                    self.thinking,
                    segment_seed(self.seed, self.steps),
                    self.steps,
                )
            if self.thinking and self.tokens < self.max_tokens:
                self._close(budget_ran_out=True)  # the thinking budget is spent: answer now
            else:
                self._finish("length")  # every token is spent
        return None

    def take(self, piece: Piece) -> None:
        """Record a finished segment and decide what comes next."""
        if self.done:
            raise ValueError("take() after the sample is done")
        self.steps += 1
        self.tokens += piece.tokens
        text, model_ended = piece.text, piece.finish != "length"
        if not model_ended and piece.tokens <= 0:  # "out of budget" with nothing made: stop here,
            self._add("model", text)  # never ask for the same segment again
            self._finish("length")
            return
        if self.thinking:
            self.thinking_tokens += piece.tokens
            cut = text.find(self.marker)
            if cut >= 0:  # a server that ignored the stop: the model ended its thinking there
                text, model_ended = text[:cut], True
            self._add("model", text)
            if model_ended:
                self._model_tried_to_end()
            # else: a budget ran out; ask() closes the thinking or ends the sample
        else:
            self._add("model", text)
            self._finish(piece.finish)

    def _model_tried_to_end(self) -> None:
        iv = self.intervention
        room = self._think_left() > 0
        if iv.kind == "budget-force" and self.extensions < iv.extensions and room:
            self.extensions += 1
            self._add("extension", iv.extension_text)
        elif iv.kind == "remind" and not self.reminded and self.reminder is not None and room:
            self.reminded = True
            self._add("reminder", self.reminder)
        else:
            self._close(budget_ran_out=False)

    def _close(self, budget_ran_out: bool) -> None:
        self._add("close", self.marker)
        if budget_ran_out:
            self._add("final", self.intervention.final_text)
        self.thinking = False

    def _finish(self, reason: str | None) -> None:
        self.finish, self.done = reason, True

    def _add(self, kind: str, text: str) -> None:
        if not text:
            return
        if self.spans and self.spans[-1][0] == kind == "model":
            self.spans[-1] = ("model", self.spans[-1][1] + text)
        else:
            self.spans.append((kind, text))

    def generation(self, key: str, run: str, sample: int) -> Generation:
        if not self.done:
            raise ValueError("the sample is not done")
        return Generation(
            key=key,
            run=run,
            sample=sample,
            output=self.text,
            finish_reason=self.finish,
            completion_tokens=self.tokens,
            spans=tuple((kind, len(text)) for kind, text in self.spans),
            thinking_tokens=self.thinking_tokens,
        )


def start(
    intervention: Intervention, marker: str, max_tokens: int, seed: int, descriptions: Sequence[str] = ()
) -> SampleState:
    """The state of a new sample; ``descriptions``: its prompt's constraints (none: the run
    without constraints)."""
    reminder = (
        reminder_text(intervention.remind_template, descriptions) if intervention.kind == "remind" else None
    )
    return SampleState(intervention, marker, max_tokens, seed, reminder)


def scored_output(gen: Generation) -> str:
    """The text the constraints and the grader read: the output without the injected text
    (extensions, reminders, "Final Answer:"); the end of thinking the run put in is read as
    ``</think>`` (whatever the model's marker), so the scorer splits the reasoning from the
    answer where the intervention closed it."""
    if gen.spans is None:
        return gen.output
    parts, at = [], 0
    for kind, length in gen.spans:
        if kind == "close":
            parts.append(DEFAULT_MARKER)
        elif kind not in INJECTED_SPANS:
            parts.append(gen.output[at : at + length])
        at += length
    return "".join(parts)
