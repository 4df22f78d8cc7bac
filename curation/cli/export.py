"""``mathif export``: a version (any dataset form) as the files another harness or trainer
reads: an lm-evaluation-harness task folder, a lighteval custom-task file, verl's parquet
rows.  The files are generated from the version, never written by hand per version."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from curation.cli.console import console, default_note, user_errors
from curation.core import InputError

app = typer.Typer(
    help="Export a version for other harnesses and trainers: lm-evaluation-harness, lighteval, verl "
    "(inspect_ai needs no export: `inspect eval mathif/mathif -T version=...`).",
    no_args_is_help=True,
)

# One command per target, each in its own section below (lm-eval, lighteval, verl).


# --- verl -------------------------------------------------------------------------------


@app.command("verl")
@user_errors
def verl_cmd(
    version: Annotated[
        str,
        typer.Argument(
            help="The version, in any dataset form: a build folder, a published tree or Hub snapshot, "
            "a Hub dataset ORG/NAME@REVISION, one JSONL or parquet split file, or MathIF's files.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Argument(
            help="The .parquet file to write (verl's data.train_files / data.val_files).", show_default=False
        ),
    ],
    system_prompt: Annotated[
        str | None,
        typer.Option(
            "--system-prompt",
            help="A system message before each prompt." + default_note("none, as MathIF"),
        ),
    ] = None,
    no_constraints: Annotated[
        bool,
        typer.Option(
            "--no-constraints",
            help="Prompt without the constraints (MathIF's plain run); the ground truth is the same item."
            + default_note("off"),
        ),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", help="Only the first N items of each split file." + default_note("every item")
        ),
    ] = None,
) -> None:
    """Write verl's RL data rows: data_source (mathif/VERSION/SPLIT), prompt (chat messages),
    ability (math), reward_model {style: rule, ground_truth: the item as JSON text} and
    extra_info {key, split, index, id, run}, one row per item.

    The command also prints verl's two config lines for the reward that reads the ground
    truth back (compute_score in curation/integrations/rewards.py).
    """
    from curation.integrations import export_verl, reward_file

    if limit is not None and not 1 <= limit <= 10_000_000:
        raise InputError(None, None, f"--limit must be between 1 and 10,000,000, got {limit}")
    done = export_verl(version, out, system_prompt, not no_constraints, limit)
    console.print(
        f"wrote {done.path}: {done.rows} rows from {len(done.splits)} split(s), "
        f"data_source mathif/{done.version}/<split>",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        f"verl reward: reward.custom_reward_function.path={reward_file()} "
        "reward.custom_reward_function.name=compute_score",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


# --- lm-eval and lighteval ------------------------------------------------------------------

_HARNESS_VERSION_HELP = (
    "The version, in any dataset form: a build folder, a published tree or Hub snapshot, a Hub "
    "dataset ORG/NAME@REVISION, one JSONL or parquet split file, MathIF's files, or v1.0.0 for its "
    "build under mathif's home."
)
_NAME_HELP = "The version's name in the task names (1.0.0 -> mathif_1_0_0)." + default_note(
    "the build manifest's version, the items' version field, the Hub tag or the dataset card's; "
    "MathIF's files need it"
)
_THINK_MODE_HELP = (
    "How the generated scorer splits the answer from the reasoning (baked into the files): "
    "'mathif' (MathIF's harness: text after the first </think>), 'last' (after the last "
    "</think>), 'strict' (no </think> means an empty answer)."
)
_MAX_TOKENS_HELP = "New tokens per response (reasoning models need MathIF's 16,384)."
_LIMIT_HELP = "Only the first N items of each split." + default_note("every item")


def _check_limit(limit: int | None) -> None:
    if limit is not None and not 1 <= limit <= 10_000_000:
        raise InputError(None, None, f"--limit must be between 1 and 10,000,000, got {limit}")


@app.command("lm-eval")
@user_errors
def lm_eval_cmd(
    version: Annotated[str, typer.Argument(help=_HARNESS_VERSION_HELP, show_default=False)],
    out: Annotated[
        Path,
        typer.Argument(
            help="The task folder to write: new, empty, or an earlier export of the same splits.",
            show_default=False,
        ),
    ],
    name: Annotated[str | None, typer.Option("--name", help=_NAME_HELP, show_default=False)] = None,
    think_mode: Annotated[str, typer.Option("--think-mode", help=_THINK_MODE_HELP)] = "mathif",
    max_tokens: Annotated[
        int, typer.Option("--max-tokens", help=_MAX_TOKENS_HELP + " (max_gen_toks)")
    ] = 16384,
    temperature: Annotated[
        float, typer.Option("--temperature", help="Sampling temperature (0: greedy, do_sample false).")
    ] = 1.0,
    top_p: Annotated[float, typer.Option("--top-p", help="Nucleus sampling's top-p.")] = 0.95,
    limit: Annotated[int | None, typer.Option("--limit", help=_LIMIT_HELP, show_default=False)] = None,
) -> None:
    """Write an lm-evaluation-harness task folder: one task per split
    (mathif_<version>_<split>) and the group mathif_<version>, the items in data/, and
    utils.py, whose process_results scores each response with mathif.score (metrics hacc,
    sacc, correctness: means with lm-eval's standard errors; the group's weighted by split
    size).  Run it with: lm_eval --model ... --include_path OUT --tasks mathif_<version>
    --apply_chat_template (mathif must be installed where lm-eval runs).
    """
    from curation.integrations import export_lm_eval

    _check_limit(limit)
    done = export_lm_eval(version, out, name, think_mode, max_tokens, temperature, top_p, limit)
    console.print(
        f"wrote {done.out}: {len(done.files)} files, {done.items} items of version {done.version} "
        f"in {len(done.tasks) - 1} tasks and the group {done.tasks[0]}",
        markup=False,
        highlight=False,
    )
    console.print(
        f"run: lm_eval --model MODEL --model_args ... --include_path {done.out} --tasks {done.tasks[0]} "
        "--apply_chat_template --log_samples --output_path results/",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@app.command("lighteval")
@user_errors
def lighteval_cmd(
    version: Annotated[str, typer.Argument(help=_HARNESS_VERSION_HELP, show_default=False)],
    out: Annotated[
        Path,
        typer.Argument(
            help="The folder to write mathif_<version>.py and its data folder into: new, empty, or an "
            "earlier export of the same splits.",
            show_default=False,
        ),
    ],
    name: Annotated[str | None, typer.Option("--name", help=_NAME_HELP, show_default=False)] = None,
    think_mode: Annotated[str, typer.Option("--think-mode", help=_THINK_MODE_HELP)] = "mathif",
    max_tokens: Annotated[
        int, typer.Option("--max-tokens", help=_MAX_TOKENS_HELP + " (the tasks' generation_size)")
    ] = 16384,
    limit: Annotated[int | None, typer.Option("--limit", help=_LIMIT_HELP, show_default=False)] = None,
) -> None:
    """Write a lighteval (0.13) custom-task file, mathif_<version>.py: a task per split
    (mathif_<version>:<split>; mathif_<version> runs them all), mathif_<version>_all (every
    item in one task), a prompt function and metrics hacc, sacc, correctness that call
    mathif.score on the raw response; the items in mathif_<version>_data_<digest>/ beside it.  Run it
    with: lighteval vllm "model_name=MODEL,generation_parameters={temperature:1.0,top_p:0.95,
    max_new_tokens:16384}" "mathif_<version>|0" --custom-tasks OUT/mathif_<version>.py.
    """
    from curation.integrations import export_lighteval

    _check_limit(limit)
    done = export_lighteval(version, out, name, think_mode, max_tokens, limit)
    task_file = next(p for p in done.files if p.suffix == ".py")
    console.print(
        f"wrote {task_file} and {len(done.files) - 1} data files: {done.items} items of version "
        f"{done.version} in {len(done.tasks) - 2} split tasks and {done.tasks[-1]}",
        markup=False,
        highlight=False,
    )
    console.print(
        f'run: lighteval vllm "model_name=MODEL,generation_parameters={{temperature:1.0,top_p:0.95,'
        f'max_new_tokens:{max_tokens}}}" "{done.tasks[0]}|0" --custom-tasks {task_file}',
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
