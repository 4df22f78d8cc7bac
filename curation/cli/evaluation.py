"""``mathif eval``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from curation.cli.console import console, default_note, note, progress_bar
from curation.cli.score import print_summary

_VLLM = "vLLM backend"
_OPENAI = "openai backend"
_SAMPLING = "Sampling (MathIF's defaults)"
_REQUIRED = "none; required, here or in --config"
_INTERVENTION = "Interventions on the reasoning (the paper's experiments; see the README)"


def eval_cmd(
    dataset: Annotated[
        str | None,
        typer.Argument(
            help="The items, in any form: a build folder, a published tree or Hub snapshot, a Hub "
            "dataset ORG/NAME@REVISION (cached; HF_ENDPOINT honoured), one JSONL or parquet split "
            "file, or MathIF's files." + default_note(_REQUIRED),
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="A model folder or Hub name (vllm), or the served model name (openai)."
            + default_note(_REQUIRED),
        ),
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(
            "--backend",
            help="vllm (offline engine) or openai (any OpenAI-compatible server)." + default_note("vllm"),
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Run folder: generations.jsonl, run.json, summary.json, items.jsonl, report.md, plots/."
            + default_note(_REQUIRED),
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="A TOML run file with any of these settings (flags win)." + default_note("none"),
        ),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option("--samples", help="Samples per prompt." + default_note(1), rich_help_panel=_SAMPLING),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            help="Base seed; each prompt gets its own seed from it." + default_note(0),
            rich_help_panel=_SAMPLING,
        ),
    ] = None,
    temperature: Annotated[
        float | None,
        typer.Option(
            "--temperature", help="Sampling temperature." + default_note(1.0), rich_help_panel=_SAMPLING
        ),
    ] = None,
    top_p: Annotated[
        float | None,
        typer.Option(
            "--top-p", help="Nucleus sampling's top-p." + default_note(0.95), rich_help_panel=_SAMPLING
        ),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option(
            "--max-tokens",
            help="Max new tokens; the prompt and these must fit in the model's context (vllm: "
            "--max-model-len; openai: the server's)." + default_note(16384),
            rich_help_panel=_SAMPLING,
        ),
    ] = None,
    constraint_run: Annotated[
        bool | None,
        typer.Option(
            "--constraint-run/--no-constraint-run",
            help="Also run every item without its constraints in the prompt, to measure what they "
            "cost in correctness." + default_note("constraint-run"),
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", help="Only the first N items of each dataset file." + default_note("every item")
        ),
    ] = None,
    trace_scope: Annotated[
        str | None,
        typer.Option(
            "--trace-scope",
            help="answer (MathIF), reasoning or both: also check the constraints on the reasoning trace."
            + default_note("answer"),
        ),
    ] = None,
    think_mode: Annotated[
        str | None,
        typer.Option(
            "--think-mode",
            help="How the answer is split from the reasoning: mathif, last or strict."
            + default_note("mathif"),
        ),
    ] = None,
    fix_quirks: Annotated[
        bool | None,
        typer.Option(
            "--fix-quirks/--mathif-quirks",
            help="Use the documented fixes of checker quirks (MathIF's, and mathif's readings of the "
            "borrowed IFEvalG/IFBench families; see the README)."
            + default_note("mathif-quirks: each source's verdicts"),
        ),
    ] = None,
    system_prompt: Annotated[
        str | None,
        typer.Option(
            "--system-prompt",
            help="A system message before each prompt." + default_note("none, as MathIF"),
            rich_help_panel=_SAMPLING,
        ),
    ] = None,
    chat_template_kwargs: Annotated[
        str | None,
        typer.Option(
            "--chat-template-kwargs",
            help="Arguments of the model's chat template, a JSON object, e.g. '{\"enable_thinking\": true}' "
            "(vllm; openai: sent as chat_template_kwargs, which vLLM and SGLang servers read)."
            + default_note("none"),
            rich_help_panel=_SAMPLING,
        ),
    ] = None,
    tensor_parallel_size: Annotated[
        int | None,
        typer.Option(
            "--tensor-parallel-size",
            help="GPUs each engine spreads the model over." + default_note(1),
            rich_help_panel=_VLLM,
        ),
    ] = None,
    data_parallel_size: Annotated[
        int | None,
        typer.Option(
            "--data-parallel-size",
            help="Engines on this node, one process each." + default_note(1),
            rich_help_panel=_VLLM,
        ),
    ] = None,
    max_model_len: Annotated[
        int | None,
        typer.Option(
            "--max-model-len",
            help="The engine's context: prompt and new tokens together." + default_note("the model's"),
            rich_help_panel=_VLLM,
        ),
    ] = None,
    gpu_memory_utilization: Annotated[
        float | None,
        typer.Option(
            "--gpu-memory-utilization",
            help="Share of each GPU's memory the engine may take." + default_note(0.9),
            rich_help_panel=_VLLM,
        ),
    ] = None,
    dtype: Annotated[
        str | None,
        typer.Option(
            "--dtype", help="auto, bfloat16, float16, float32." + default_note("auto"), rich_help_panel=_VLLM
        ),
    ] = None,
    trust_remote_code: Annotated[
        bool | None,
        typer.Option(
            "--trust-remote-code/--no-trust-remote-code",
            help="Run the model repository's own code." + default_note("no-trust-remote-code"),
            rich_help_panel=_VLLM,
        ),
    ] = None,
    enforce_eager: Annotated[
        bool | None,
        typer.Option(
            "--enforce-eager/--no-enforce-eager",
            help="No CUDA graphs / compilation (faster start, slower run)."
            + default_note("no-enforce-eager"),
            rich_help_panel=_VLLM,
        ),
    ] = None,
    max_num_seqs: Annotated[
        int | None,
        typer.Option(
            "--max-num-seqs",
            help="Sequences the engine runs at once." + default_note("vLLM's"),
            rich_help_panel=_VLLM,
        ),
    ] = None,
    base_url: Annotated[
        list[str] | None,
        typer.Option(
            "--base-url",
            help="Server base URL; repeat to spread requests over several.  Each is checked once "
            "(GET /models) before any sample."
            + default_note("http://127.0.0.1:8000/v1, where vllm serve listens"),
            rich_help_panel=_OPENAI,
        ),
    ] = None,
    api_key_env: Annotated[
        str | None,
        typer.Option(
            "--api-key-env",
            help="Environment variable holding the API key (never written anywhere)."
            + default_note("OPENAI_API_KEY"),
            rich_help_panel=_OPENAI,
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", help="Requests in flight at most." + default_note(32), rich_help_panel=_OPENAI
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option("--timeout", help="Seconds per request." + default_note(1200), rich_help_panel=_OPENAI),
    ] = None,
    max_retries: Annotated[
        int | None,
        typer.Option(
            "--max-retries",
            help="Retries on 429, 5xx and timeouts, with backoff." + default_note(8),
            rich_help_panel=_OPENAI,
        ),
    ] = None,
    intervention: Annotated[
        str | None,
        typer.Option(
            "--intervention",
            help="none; budget-force (each time the thinking tries to end, suppress it and append "
            "--extension-text, --extensions times); remind (put the item's constraints back into the "
            "thinking when it first tries to end); think-budget (cap the thinking at --think-budget "
            "tokens, then make the model answer).  Generates in segments: vllm continues in the engine, "
            "openai through /v1/completions with the chat template rendered here." + default_note("none"),
            rich_help_panel=_INTERVENTION,
        ),
    ] = None,
    extensions: Annotated[
        int | None,
        typer.Option(
            "--extensions",
            help="budget-force: times the end of thinking is suppressed." + default_note("1, as s1"),
            rich_help_panel=_INTERVENTION,
        ),
    ] = None,
    extension_text: Annotated[
        str | None,
        typer.Option(
            "--extension-text",
            help="budget-force: the text appended instead of the end of thinking." + default_note("Wait"),
            rich_help_panel=_INTERVENTION,
        ),
    ] = None,
    think_budget: Annotated[
        int | None,
        typer.Option(
            "--think-budget",
            help="Tokens of thinking at most (below --max-tokens, which counts thinking and answer); "
            "thinking that reaches it is closed and followed by --final-text."
            + default_note("none; required by think-budget"),
            rich_help_panel=_INTERVENTION,
        ),
    ] = None,
    remind_template: Annotated[
        str | None,
        typer.Option(
            "--remind-template",
            help="remind: the text put into the thinking; {constraints} becomes one '- description' "
            "line per constraint."
            + default_note(
                "'\\n\\nWait, before I answer, let me recall the instructions my response "
                "must follow:\\n{constraints}\\n'"
            ),
            rich_help_panel=_INTERVENTION,
        ),
    ] = None,
    final_text: Annotated[
        str | None,
        typer.Option(
            "--final-text",
            help="Put after the end of thinking when the thinking budget ran out."
            + default_note("'\\n\\nFinal Answer:', as s1"),
            rich_help_panel=_INTERVENTION,
        ),
    ] = None,
    think_end: Annotated[
        str | None,
        typer.Option(
            "--think-end",
            help="The text that ends the model's thinking." + default_note("the tokenizer's </think> token"),
            rich_help_panel=_INTERVENTION,
        ),
    ] = None,
    tokenizer: Annotated[
        str | None,
        typer.Option(
            "--tokenizer",
            help="The tokenizer an intervention renders and counts with (openai: a local folder or "
            "cached Hub id of the served model)." + default_note("--model"),
            rich_help_panel=_INTERVENTION,
        ),
    ] = None,
) -> None:
    """Evaluate a model on a dataset: generate (resumable), score, report with plots.

    Each item is run with its constraints in the prompt and, unless
    --no-constraint-run, without them.  Generations are appended to
    OUT/generations.jsonl as they finish; the same command run again makes only
    what is missing, and other sampling settings or another model are refused
    (an OUT with no generation yet is taken over).  Then OUT gets summary.json
    (HAcc, SAcc, correctness), items.jsonl, report.md and plots/.

    With --backend openai each server is checked before any sample: one that
    cannot be reached, refuses the key, does not serve --model, or whose context
    cannot hold --max-tokens stops the run at once with one line.
    """
    from curation.evaluation import make_config, run_eval

    flags = {
        "dataset": dataset,
        "model": model,
        "backend": backend,
        "out": out,
        "samples": samples,
        "seed": seed,
        "temperature": temperature,
        "top_p": top_p,
        "max_tokens": max_tokens,
        "constraint_run": constraint_run,
        "limit": limit,
        "trace_scope": trace_scope,
        "think_mode": think_mode,
        "fix_quirks": fix_quirks,
        "system_prompt": system_prompt,
        "chat_template_kwargs": chat_template_kwargs,
        "tensor_parallel_size": tensor_parallel_size,
        "data_parallel_size": data_parallel_size,
        "max_model_len": max_model_len,
        "gpu_memory_utilization": gpu_memory_utilization,
        "dtype": dtype,
        "trust_remote_code": trust_remote_code,
        "enforce_eager": enforce_eager,
        "max_num_seqs": max_num_seqs,
        "base_url": base_url,
        "api_key_env": api_key_env,
        "concurrency": concurrency,
        "timeout": timeout,
        "max_retries": max_retries,
        "intervention": intervention,
        "extensions": extensions,
        "extension_text": extension_text,
        "think_budget": think_budget,
        "remind_template": remind_template,
        "final_text": final_text,
        "think_end": think_end,
        "tokenizer": tokenizer,
    }
    cfg = make_config(flags, config)
    with progress_bar("generating", eta=True) as progress:
        outcome = run_eval(cfg, on_generation=progress, note=note)
    s = outcome.summary
    title = f"mathif eval: {cfg.model} on {cfg.dataset}"
    if cfg.intervention.active:
        title += f", --intervention {cfg.intervention.kind}"
    print_summary(title, s)
    console.print(
        f"{outcome.generated} samples generated, {outcome.reused} reused; wrote {cfg.out / 'summary.json'}, "
        f"{cfg.out / 'items.jsonl'}, {cfg.out / 'report.md'} and {cfg.out / 'plots'}/"
    )
