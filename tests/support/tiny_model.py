"""A tiny random-weight chat model for tests, the smoke run and the benchmark (no download).

    python -m tests.support.tiny_model OUT_DIR

writes a Qwen2 causal LM of a few hundred thousand parameters (hidden size 64,
two layers, two heads of dimension 32), a byte-level BPE tokenizer trained on
a little text with ``tokenizers``, and a ChatML chat template, all with
safetensors.  Same seed, same files.  Its outputs are random text: good for
exercising the engines and the pipeline, not for accuracy.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
VOCAB_SIZE = 384

_WORDS = (
    "the a of to and in is that it for on with as was at by an be this are from or have not "
    "answer question step think therefore total number sum product equal boxed final response "
    "first second third each every all none include keyword section highlight bullet words "
    "one two three four five six seven eight nine ten hundred thousand half twice more less "
    "triangle circle square angle area length width height point line prime integer fraction"
).split()


def _corpus(lines: int = 400) -> list[str]:
    """A few hundred deterministic lines of words, numbers and LaTeX bits."""
    out = []
    for i in range(lines):
        words = [_WORDS[(i * 7 + j * 13) % len(_WORDS)] for j in range(12)]
        out.append(
            " ".join(words)
            + f" {i} + {i * 3} = {i * 4}. \\boxed{{{i}}} $\\frac{{{i}}}{{{i + 1}}}$ <think></think> ** - * #"
        )
    return out


def build_tiny_model(out: Path, seed: int = 0) -> Path:
    """Write the model, tokenizer and chat template into ``out``; return ``out``."""
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    out.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        _corpus(), vocab_size=VOCAB_SIZE, min_frequency=2, show_progress=False, special_tokens=SPECIAL
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe._tokenizer,
        bos_token=None,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(out)

    vocab = tokenizer.vocab_size if len(tokenizer) <= VOCAB_SIZE else len(tokenizer)
    config = Qwen2Config(
        vocab_size=max(vocab, len(tokenizer)),
        hidden_size=64,
        intermediate_size=512,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        head_dim=32,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"),
        pad_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
        bos_token_id=None,
        torch_dtype="float32",
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config)
    model.save_pretrained(out, safe_serialization=True)
    # keep the files deterministic and minimal: vLLM reads config.json and the tokenizer files
    gen = {"eos_token_id": config.eos_token_id, "pad_token_id": config.pad_token_id}
    (out / "generation_config.json").write_text(json.dumps(gen, indent=2) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    build_tiny_model(args.out, args.seed)
    print(f"tiny model written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
