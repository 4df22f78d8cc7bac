"""Run ``mathif`` and SIGKILL its whole process group right after the N-th sample is saved.

    python tests/support/kill_after.py N mathif-arguments...

A run killed at a known point, so the resume test does not race the engine: on a fast
machine a tiny model can finish every sample between two polls of the output file.
The kill lands from inside ``RunFolder.append``, after the write and its fsync, so
exactly N samples are on disk and the engine dies with the run.
"""

from __future__ import annotations

import os
import signal
import sys


def main() -> None:
    after = int(sys.argv[1])
    from curation.cli import app
    from curation.evaluation import store as eval_store

    append = eval_store.RunFolder.append
    saved = 0

    def append_then_die(self: eval_store.RunFolder, gen: eval_store.Generation) -> None:
        nonlocal saved
        append(self, gen)
        saved += 1
        if saved == after:
            os.killpg(0, signal.SIGKILL)

    eval_store.RunFolder.append = append_then_die  # type: ignore[method-assign]
    app(sys.argv[2:], prog_name="mathif")


if __name__ == "__main__":
    main()
