"""Errors a user can meet. Each says what is wrong, where, and what to do."""

from __future__ import annotations


class DuurzaamError(Exception):
    """Anything the pipeline refuses to do; the CLI exits 1."""


class InputRejected(DuurzaamError):
    """An extract that must not be loaded; the CLI exits 2. Nothing was written to raw."""

    def __init__(self, file: str, problem: str, hint: str, details: list[str] | None = None):
        self.file = file
        self.problem = problem
        self.hint = hint
        self.details = details or []
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{self.file}: {self.problem}"]
        lines += [f"  - {detail}" for detail in self.details]
        lines.append(f"  What to do: {self.hint}")
        return "\n".join(lines)
