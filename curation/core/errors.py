"""User-facing errors: bad input (one line naming the file, the line and the problem), a
service that failed, a worker process that died."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad input the user can fix; the CLI prints ``str(err)`` and exits with 2."""

    def __init__(self, path: str | Path | None, line: int | None, problem: str):
        self.path = str(path) if path is not None else None
        self.line = line
        self.problem = problem
        super().__init__(str(self))

    def __reduce__(self) -> tuple[type[InputError], tuple[str | None, int | None, str]]:
        return InputError, (self.path, self.line, self.problem)  # rebuilt as it was made (workers pickle it)

    def __str__(self) -> str:
        if self.path is None and self.line is None:  # a flag or an argument, not a file
            return self.problem
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.problem}"


class ServiceFailure(Exception):
    """Something outside the user's input failed (a Hub request, samples a server would not
    make); the work done so far is kept.  The CLI prints ``str(err)`` and exits with 1."""


class WorkerFailure(Exception):
    """A worker process ended without finishing its work (killed, out of memory); nothing
    was written.  The CLI prints ``str(err)`` and exits with 1."""
