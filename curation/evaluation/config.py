"""Settings of one ``mathif eval`` run: typed, validated, from flags and a TOML run file.

Flags win over the run file, the run file over the defaults.  Defaults are
MathIF's sampling settings (temperature 1.0, top-p 0.95, 16,384 new tokens).
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curation.core import InputError
from curation.scoring import THINK_MODES

INTERVENTIONS = ("none", "budget-force", "remind", "think-budget")
DEFAULT_MARKER = "</think>"
DEFAULT_EXTENSION = "Wait"
DEFAULT_FINAL = "\n\nFinal Answer:"
DEFAULT_REMIND_TEMPLATE = (
    "\n\nWait, before I answer, let me recall the instructions my response must follow:\n{constraints}\n"
)
CONSTRAINTS_FIELD = "{constraints}"
MAX_EXTENSIONS = 64


@dataclass(frozen=True)
class Intervention:
    """The settings of one intervention (``kind`` "none": a plain run, one request per sample)."""

    kind: str = "none"
    extensions: int = 1  # budget-force: how many times the end of thinking is suppressed
    extension_text: str = DEFAULT_EXTENSION
    think_budget: int | None = None  # tokens of thinking at most (None: up to max_tokens)
    remind_template: str = DEFAULT_REMIND_TEMPLATE
    final_text: str = DEFAULT_FINAL
    think_end: str | None = None  # the end-of-thinking marker (None: the tokenizer's </think>)

    @property
    def active(self) -> bool:
        return self.kind != "none"

    def settings(self) -> dict[str, Any] | None:
        """What a run records (``run.json``, ``summary.json``): None for no intervention; else
        the kind and the settings it uses."""
        if not self.active:
            return None
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "budget-force":
            out |= {"extensions": self.extensions, "extension_text": self.extension_text}
        if self.kind == "remind":
            out["remind_template"] = self.remind_template
        out |= {"think_budget": self.think_budget, "final_text": self.final_text, "think_end": self.think_end}
        return out


BACKENDS = ("vllm", "openai")
TRACE_SCOPES = ("answer", "reasoning", "both")
RUNS = ("constraints", "plain")


@dataclass(frozen=True)
class Sampling:
    """What the model is asked for: these settings change the generations."""

    temperature: float = 1.0
    top_p: float = 0.95
    max_tokens: int = 16384
    samples: int = 1
    seed: int = 0


@dataclass(frozen=True)
class VllmOptions:
    tensor_parallel_size: int = 1
    data_parallel_size: int = 1
    max_model_len: int | None = None
    gpu_memory_utilization: float = 0.9
    dtype: str = "auto"
    trust_remote_code: bool = False
    enforce_eager: bool = False
    max_num_seqs: int | None = None


@dataclass(frozen=True)
class OpenAIOptions:
    base_urls: tuple[str, ...] = ("http://127.0.0.1:8000/v1",)
    api_key_env: str = "OPENAI_API_KEY"
    concurrency: int = 32
    timeout: float = 1200.0
    max_retries: int = 8
    retry_base_delay: float = 1.0
    retry_max_delay: float = 60.0


@dataclass(frozen=True)
class ChatOptions:
    """How a prompt becomes a chat: these settings change the generations too."""

    system_prompt: str | None = None  # MathIF sends the prompt alone, as the user's message
    chat_template_kwargs: dict[str, Any] | None = None  # e.g. {"enable_thinking": true}


NO_CHAT_OPTIONS = ChatOptions()


@dataclass(frozen=True)
class EvalConfig:
    dataset: str  # any form curation.core.open_dataset reads, a Hub id included
    model: str
    out: Path
    backend: str = "vllm"
    sampling: Sampling = field(default_factory=Sampling)
    constraint_run: bool = True  # also the run without constraints in the prompt
    limit: int | None = None  # first N items of each file
    trace_scope: str = "answer"
    think_mode: str = "mathif"
    fix_quirks: bool = False
    vllm: VllmOptions = field(default_factory=VllmOptions)
    openai: OpenAIOptions = field(default_factory=OpenAIOptions)
    chat: ChatOptions = field(default_factory=ChatOptions)
    intervention: Intervention = field(default_factory=Intervention)
    tokenizer: str | None = None  # an intervention run's tokenizer (None: --model's)

    @property
    def runs(self) -> tuple[str, ...]:
        return RUNS if self.constraint_run else RUNS[:1]


# flat key -> (section, field, type); section "" is EvalConfig itself
_KEYS: dict[str, tuple[str, str, Any]] = {
    "dataset": ("", "dataset", str),
    "model": ("", "model", str),
    "out": ("", "out", Path),
    "backend": ("", "backend", str),
    "constraint_run": ("", "constraint_run", bool),
    "limit": ("", "limit", int),
    "trace_scope": ("", "trace_scope", str),
    "think_mode": ("", "think_mode", str),
    "fix_quirks": ("", "fix_quirks", bool),
    "tokenizer": ("", "tokenizer", str),
    "intervention": ("intervention", "kind", str),
    "extensions": ("intervention", "extensions", int),
    "extension_text": ("intervention", "extension_text", str),
    "think_budget": ("intervention", "think_budget", int),
    "remind_template": ("intervention", "remind_template", str),
    "final_text": ("intervention", "final_text", str),
    "think_end": ("intervention", "think_end", str),
    "temperature": ("sampling", "temperature", float),
    "top_p": ("sampling", "top_p", float),
    "max_tokens": ("sampling", "max_tokens", int),
    "samples": ("sampling", "samples", int),
    "seed": ("sampling", "seed", int),
    "system_prompt": ("chat", "system_prompt", str),
    "chat_template_kwargs": ("chat", "chat_template_kwargs", dict),
    "tensor_parallel_size": ("vllm", "tensor_parallel_size", int),
    "data_parallel_size": ("vllm", "data_parallel_size", int),
    "max_model_len": ("vllm", "max_model_len", int),
    "gpu_memory_utilization": ("vllm", "gpu_memory_utilization", float),
    "dtype": ("vllm", "dtype", str),
    "trust_remote_code": ("vllm", "trust_remote_code", bool),
    "enforce_eager": ("vllm", "enforce_eager", bool),
    "max_num_seqs": ("vllm", "max_num_seqs", int),
    "base_url": ("openai", "base_urls", tuple),
    "api_key_env": ("openai", "api_key_env", str),
    "concurrency": ("openai", "concurrency", int),
    "timeout": ("openai", "timeout", float),
    "max_retries": ("openai", "max_retries", int),
    "retry_base_delay": ("openai", "retry_base_delay", float),
    "retry_max_delay": ("openai", "retry_max_delay", float),
}
KEYS = tuple(_KEYS)


def _coerce(where: Path | None, key: str, kind: Any, value: Any) -> Any:
    def bad(expected: str) -> InputError:
        return InputError(where, None, f"{key}: expected {expected}, got {value!r}")

    if kind is bool:
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("a number")
        return float(value)
    if kind is tuple:  # base URLs: one string or a list of strings
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise bad("a URL or a list of URLs")
        return tuple(values)
    if kind is dict:  # a TOML table, or a JSON object given as a flag
        obj = value
        if isinstance(value, str):
            try:
                obj = json.loads(value)
            except json.JSONDecodeError:
                raise bad("a JSON object") from None
        if not isinstance(obj, dict):
            raise bad("a JSON object")
        try:
            json.dumps(obj, allow_nan=False)
        except (TypeError, ValueError):
            raise bad("plain JSON values (strings, numbers, booleans, lists, tables)") from None
        return obj or None  # an empty table is no arguments
    if kind is Path:
        if not isinstance(value, (str, Path)) or not str(value):
            raise bad("a path")
        return Path(value)
    if isinstance(value, Path):  # DATASET given as a path in code
        value = str(value)
    if not isinstance(value, str) or not value:
        raise bad("a non-empty string")
    return value


def read_run_file(path: Path) -> dict[str, Any]:
    """The settings of a TOML run file, keys as in ``KEYS`` (dashes or underscores)."""
    if not path.is_file():
        raise InputError(path, None, "no such run file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(path, None, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, None, f"malformed TOML ({exc})") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise InputError(path, None, f"malformed TOML ({exc})") from None
    except RecursionError:
        raise InputError(path, None, "malformed TOML (nested too deeply)") from None
    out: dict[str, Any] = {}
    for raw_key, value in raw.items():
        key = raw_key.replace("-", "_")
        if key in ("api_key", "openai_api_key", "token"):
            raise InputError(path, None, f"{raw_key}: keys are read from the environment only (api_key_env)")
        if key not in _KEYS:
            raise InputError(path, None, f"{raw_key}: unknown key (expected one of {', '.join(KEYS)})")
        out[key] = _coerce(path, raw_key, _KEYS[key][2], value)
    return out


def make_config(flags: Mapping[str, Any], run_file: Path | None = None) -> EvalConfig:
    """Merge defaults, the run file and the flags (``None`` = not given) and validate."""
    values = read_run_file(run_file) if run_file else {}
    for key, value in flags.items():
        if key not in _KEYS:
            raise ValueError(f"unknown setting {key!r}")
        if value is None or (_KEYS[key][2] is tuple and not value):
            continue
        values[key] = _coerce(None, f"--{key.replace('_', '-')}", _KEYS[key][2], value)
    for key in ("dataset", "model", "out"):
        if key not in values:
            label = "DATASET" if key == "dataset" else f"--{key}"
            raise InputError(
                run_file, None, f"{label} is required (a flag, or {key!r} in a --config run file)"
            )
    sections: dict[str, dict[str, Any]] = {
        "": {},
        "sampling": {},
        "vllm": {},
        "openai": {},
        "chat": {},
        "intervention": {},
    }
    for key, value in values.items():
        section, name, _ = _KEYS[key]
        sections[section][name] = value
    config = EvalConfig(
        **sections[""],
        sampling=Sampling(**sections["sampling"]),
        vllm=VllmOptions(**sections["vllm"]),
        openai=OpenAIOptions(**sections["openai"]),
        chat=ChatOptions(**sections["chat"]),
        intervention=Intervention(**sections["intervention"]),
    )
    validate(config)
    check_intervention_keys(config.intervention.kind, values)
    return config


# the settings that apply to some interventions only (giving one to another is a mistake)
_APPLIES: dict[str, tuple[str, ...]] = {
    "extensions": ("budget-force",),
    "extension_text": ("budget-force",),
    "remind_template": ("remind",),
    "think_budget": INTERVENTIONS[1:],
    "final_text": INTERVENTIONS[1:],
    "think_end": INTERVENTIONS[1:],
    "tokenizer": INTERVENTIONS[1:],
}


def check_intervention_keys(kind: str, given: Mapping[str, Any]) -> None:
    """Refuse a setting given for an intervention it does not apply to (it would be ignored)."""
    for key, kinds in _APPLIES.items():
        if key in given and kind not in kinds:
            flag = f"--{key.replace('_', '-')}"
            which = " or ".join(kinds)
            raise InputError(None, None, f"{flag} applies to --intervention {which} only (now {kind})")


# The allowed range of every number (inclusive; None: no upper bound needed).  Generous for
# any real run, small enough that no value hangs the tool or exhausts memory before a
# request is made (``--samples 100000000`` would plan 10^8 samples per prompt).
BOUNDS: dict[str, tuple[float, float]] = {
    "samples": (1, 1024),
    "max-tokens": (1, 1_000_000),
    "seed": (0, 2**63 - 1),
    "limit": (1, 10_000_000),
    "temperature": (0.0, 10.0),
    "tensor-parallel-size": (1, 256),
    "data-parallel-size": (1, 64),
    "max-model-len": (1, 10_000_000),
    "max-num-seqs": (1, 65_536),
    "concurrency": (1, 4096),
    "timeout": (0.001, 86_400.0),
    "max-retries": (0, 100),
    "retry-base-delay": (0.0, 3600.0),
    "retry-max-delay": (0.0, 86_400.0),
    "base-url": (1, 256),  # how many
    "extensions": (0, MAX_EXTENSIONS),
    "think-budget": (1, 999_999),  # below --max-tokens
}
MAX_INJECTED_CHARS = 4000  # an extension, reminder template, final text or marker
RUN_FILE_ONLY = ("retry-base-delay", "retry-max-delay")  # no flag: named as in the run file


def _fmt(x: float) -> str:
    return f"{x:,}" if isinstance(x, int) else f"{x:g}"


def _shown(value: float) -> str:
    """A value for a message, at most ~30 characters (a 4,000-digit integer is not shown whole)."""
    if isinstance(value, int) and abs(value) >= 10**18:
        return f"an integer of {len(str(abs(value)))} digits"
    return str(value)


def validate(c: EvalConfig) -> None:
    def bad(flag: str, problem: str) -> InputError:
        name = flag.replace("-", "_") if flag in RUN_FILE_ONLY else f"--{flag}"
        return InputError(None, None, f"{name}: {problem}")

    def within(flag: str, value: float | None) -> None:
        lo, hi = BOUNDS[flag]
        if value is not None and not lo <= value <= hi:  # a NaN is never within
            raise bad(flag, f"must be between {_fmt(lo)} and {_fmt(hi)}, got {_shown(value)}")

    if c.backend not in BACKENDS:
        raise bad("backend", f"must be one of {', '.join(BACKENDS)}, got {c.backend!r}")
    if c.trace_scope not in TRACE_SCOPES:
        raise bad("trace-scope", f"must be one of {', '.join(TRACE_SCOPES)}, got {c.trace_scope!r}")
    if c.think_mode not in THINK_MODES:
        raise bad("think-mode", f"must be one of {', '.join(THINK_MODES)}, got {c.think_mode!r}")
    s = c.sampling
    within("temperature", s.temperature)
    if not 0.0 < s.top_p <= 1.0:
        raise bad("top-p", f"must be in (0, 1], got {s.top_p}")
    within("max-tokens", s.max_tokens)
    within("samples", s.samples)
    within("seed", s.seed)
    within("limit", c.limit)
    v = c.vllm
    within("tensor-parallel-size", v.tensor_parallel_size)
    within("data-parallel-size", v.data_parallel_size)
    within("max-model-len", v.max_model_len)
    within("max-num-seqs", v.max_num_seqs)
    if not 0.0 < v.gpu_memory_utilization <= 1.0:
        raise bad("gpu-memory-utilization", f"must be in (0, 1], got {v.gpu_memory_utilization}")
    validate_intervention(c, bad, within)
    o = c.openai
    within("concurrency", o.concurrency)
    within("timeout", o.timeout)
    within("max-retries", o.max_retries)
    within("retry-base-delay", o.retry_base_delay)
    within("retry-max-delay", o.retry_max_delay)
    lo, hi = BOUNDS["base-url"]
    if not lo <= len(o.base_urls) <= hi:
        raise bad("base-url", f"at most {_fmt(hi)} URLs, got {len(o.base_urls)}")
    for url in o.base_urls:
        if not url.startswith(("http://", "https://")):
            raise bad("base-url", f"must start with http:// or https://, got {url!r}")


def validate_intervention(c: EvalConfig, bad: Any, within: Any) -> None:
    iv = c.intervention
    if iv.kind not in INTERVENTIONS:
        raise bad("intervention", f"must be one of {', '.join(INTERVENTIONS)}, got {iv.kind!r}")
    within("extensions", iv.extensions)
    within("think-budget", iv.think_budget)
    texts = {
        "extension-text": iv.extension_text,
        "remind-template": iv.remind_template,
        "final-text": iv.final_text,
        "think-end": iv.think_end,
    }
    for flag, text in texts.items():
        if text is not None and len(text) > MAX_INJECTED_CHARS:
            raise bad(flag, f"at most {MAX_INJECTED_CHARS:,} characters, got {len(text):,}")
    if not iv.active:
        return
    if iv.kind == "remind" and CONSTRAINTS_FIELD not in iv.remind_template:
        raise bad("remind-template", f"must contain {CONSTRAINTS_FIELD} (where the constraints go)")
    if iv.kind == "think-budget" and iv.think_budget is None:
        raise bad("think-budget", "--intervention think-budget needs --think-budget (tokens of thinking)")
    if iv.think_budget is not None and iv.think_budget >= c.sampling.max_tokens:
        raise bad(
            "think-budget",
            f"must be below --max-tokens ({c.sampling.max_tokens:,}), which counts the thinking and the "
            f"answer; got {iv.think_budget:,}",
        )
    if c.backend == "vllm" and c.vllm.data_parallel_size > 1:
        raise bad("intervention", "runs on one engine; for several, serve them and use --backend openai")


def describe(c: EvalConfig) -> dict[str, Any]:
    """Every setting as JSON-ready data (no secret is ever part of a config)."""
    return json_ready(dataclasses.asdict(c))


def json_ready(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj
