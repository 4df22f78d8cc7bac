"""The prompt of an item: a template filled with the question and the constraint descriptions."""

from __future__ import annotations

# MathIF appends the chain-of-thought instruction and then the constraint
# descriptions; it glues them without spaces.  Here the parts are joined by
# single spaces and each description is stripped of its trailing blank.
DEFAULT_TEMPLATE = (
    "{question} Let's think step by step and output the final answer within \\boxed{}. {constraints}"
)


def render_prompt(template: str, question: str, descriptions: list[str]) -> str:
    """Fill the template literally (LaTeX braces in questions stay as they are)."""
    constraints = " ".join(d.strip() for d in descriptions)
    return template.replace("{question}", question.strip()).replace("{constraints}", constraints).strip()
