"""The compliance commands through their real interfaces: Typer's runner and ``python -m``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from assistant.cli import app as main_app
from assistant.compliance.rules import clear_cache
from tests.conftest import CORPUS, ROOT

runner = CliRunner()
ELIGIBILITY_KEYS = {"verdict", "reasons", "conditions", "citations"}
OFFSET_KEYS = {"year", "emissions", "rate", "currency", "max_credits", "max_offset_value",
               "available", "citations"}  # fmt: skip


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    return main_app


def invoke(app: typer.Typer, *args: str, env: dict[str, str] | None = None):  # noqa: ANN201
    return runner.invoke(app, list(args), env=env)


# ---------------------------------------------------------------------------------- check


def test_check_json_for_the_applicants_question(app: typer.Typer) -> None:
    result = invoke(app, "check", "--host-country", "Papua New Guinea", "--programme", "Verra",
                    "--methodology", "VM0042", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= ELIGIBILITY_KEYS
    assert data["verdict"] == "cannot determine" and data["missing"] == ["published"]
    assert any("Joint Committee" in c["text"] for c in data["conditions"])
    assert all(c["quote"] for c in data["citations"])


@pytest.mark.parametrize(("args", "verdict"), [
    (["--published", "2022-06-30", "--category", "Sectoral Scope 14"], "eligible"),
    (["--published", "2023-03-31"], "not eligible"),
    (["--published", "2023-03-30"], "eligible"),
])  # fmt: skip
def test_check_verdicts(app: typer.Typer, args: list[str], verdict: str) -> None:
    result = invoke(app, "check", "--host-country", "PNG", "--programme", "VCS",
                    "--methodology", "VM0042 v2.0", *args, "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["verdict"] == verdict


def test_check_human_output(app: typer.Typer) -> None:
    result = invoke(app, "check", "--host-country", "PNG", "--programme", "Plan Vivo",
                    "--methodology", "x")  # fmt: skip
    assert result.exit_code == 0
    assert "Verdict: NOT ELIGIBLE" in result.stdout
    assert "names only GS4GG, VCS, ACR and GCC" in result.stdout
    assert "Sources:" in result.stdout and "[1]" in result.stdout


def test_check_unknown_host(app: typer.Typer) -> None:
    result = invoke(app, "check", "--host-country", "Ghana", "--programme", "VCS",
                    "--methodology", "VM0042", "--published", "2022-01-01", "--json")  # fmt: skip
    assert json.loads(result.stdout)["verdict"] == "cannot determine"


@pytest.mark.parametrize(("args", "message"), [
    (["--published", "31/03/2023"], "YYYY-MM-DD"),
    (["--published", "2023-02-30"], "YYYY-MM-DD"),
])  # fmt: skip
def test_check_bad_date_exits_2(app: typer.Typer, args: list[str], message: str) -> None:
    result = invoke(app, "check", "--host-country", "PNG", "--programme", "VCS",
                    "--methodology", "VM0042", *args)  # fmt: skip
    assert result.exit_code == 2
    assert message in result.output
    assert isinstance(result.exception, SystemExit)  # a usage error, not a crash


def test_check_missing_option_exits_2(app: typer.Typer) -> None:
    result = invoke(app, "check", "--host-country", "PNG")
    assert result.exit_code == 2 and "Missing option" in result.output


# --------------------------------------------------------------------------------- offset


def test_offset_json(app: typer.Typer) -> None:
    result = invoke(app, "offset", "--emissions", "200000", "--year", "2025", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= OFFSET_KEYS
    assert (data["rate"], data["currency"], data["max_credits"], data["max_offset_value"]) == (
        25,
        "SGD",
        10000,
        250000,
    )
    assert data["available"] is True and data["as_of"] == "2023-12-19"


def test_offset_before_the_framework(app: typer.Typer) -> None:
    data = json.loads(
        invoke(app, "offset", "--emissions", "1000", "--year", "2023", "--json").stdout
    )
    assert data["available"] is False and data["max_credits"] == 0 and data["rate"] == 5


def test_offset_unstated_year(app: typer.Typer) -> None:
    result = invoke(app, "offset", "--emissions", "1000", "--year", "2015")
    assert result.exit_code == 0
    assert "not stated" in result.stdout and "do not state" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--emissions", "-5", "--year", "2025"], "negative"),
    (["--emissions", "lots", "--year", "2025"], "number"),
    (["--emissions", "100", "--year", "twenty"], "year such as 2025"),
    (["--emissions", "100", "--year", "2025-01"], "year such as 2025"),
    (["--emissions", "100", "--year", "99999"], "between"),
    (["--emissions", "100"], "Missing option"),
])  # fmt: skip
def test_offset_bad_input_exits_2(app: typer.Typer, args: list[str], message: str) -> None:
    result = invoke(app, "offset", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert isinstance(result.exception, SystemExit)


# ----------------------------------------------------------------------------- agreements


def test_agreements_json(app: typer.Typer) -> None:
    result = invoke(app, "agreements", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    countries = [r["country"] for r in data["rows"]]
    assert "Papua New Guinea" in countries and "Peru" in countries
    assert {c["count"] for c in data["counts"] if c["kind"] == "implementation_agreement"} == {
        9,
        10,
    }


def test_agreements_text(app: typer.Typer) -> None:
    result = invoke(app, "agreements")
    assert result.exit_code == 0
    assert "Peru" in result.stdout and "disagree" in result.stdout


def test_help_texts(app: typer.Typer) -> None:
    for command in ("check", "offset", "agreements"):
        result = invoke(app, command, "--help")
        assert result.exit_code == 0 and "--json" in result.output


# ------------------------------------------------------------------- broken rules: exit 1


def test_broken_rules_exit_1_with_the_file_named(app: typer.Typer, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    tax = corpus / "rules" / "carbon_tax.yaml"
    tax.write_text(tax.read_text().replace("S$45 per tonne in 2026", "S$46 per tonne in 2026"))
    try:
        result = invoke(app, "offset", "--emissions", "1", "--year", "2025",
                        env={"ASSISTANT_CORPUS_DIR": str(corpus)})  # fmt: skip
    finally:
        clear_cache()
    assert result.exit_code == 1
    assert "carbon_tax.yaml" in result.output and "quote not found" in result.output


# ---------------------------------------------------------------- the real entry point


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_module_check_json() -> None:
    proc = run_module("check", "--host-country", "PNG", "--programme", "Verra",
                      "--methodology", "VM0042", "--published", "2022-06-30", "--json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) >= ELIGIBILITY_KEYS and data["verdict"] == "eligible"


def test_module_offset_json() -> None:
    proc = run_module("offset", "--emissions", "200,000", "--year", "2026", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) >= OFFSET_KEYS
    assert data["max_credits"] == 10000 and data["max_offset_value"] == 450000


def test_module_agreements_json() -> None:
    proc = run_module("agreements", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rows"]


@pytest.mark.parametrize("args", [
    ("offset", "--emissions", "-1", "--year", "2025"),
    ("offset", "--emissions", "10", "--year", "soon"),
    ("check", "--host-country", "PNG", "--programme", "VCS", "--methodology", "VM0042",
     "--published", "yesterday"),
])  # fmt: skip
def test_module_bad_input_exits_2_without_traceback(args: tuple[str, ...]) -> None:
    proc = run_module(*args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "Invalid value" in proc.stderr


def test_module_without_arguments_shows_help() -> None:
    proc = run_module()
    assert "check" in proc.stdout + proc.stderr and "offset" in proc.stdout + proc.stderr
