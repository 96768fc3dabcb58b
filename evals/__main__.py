"""``python -m evals``: the same command as ``assistant eval`` (assistant/cli/evals.py)."""

from __future__ import annotations

import typer

from assistant.cli.common import help_text
from assistant.cli.evals import eval_cmd


def main() -> None:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    # A single command: its options are the program's options.
    app.command(help=help_text(eval_cmd.__doc__ or ""))(eval_cmd)
    app()


if __name__ == "__main__":
    main()
