"""``python -m evals``: the same command as ``assistant eval`` (see evals/eval_cli.py)."""

from __future__ import annotations

import typer

from evals.eval_cli import HELP, eval_cmd


def main() -> None:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command(help=HELP)(eval_cmd)  # a single command: its options are the program's options
    app()


if __name__ == "__main__":
    main()
