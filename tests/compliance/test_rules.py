"""The rules files cannot drift from the text they cite: every quote is found in its document."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from assistant.answer.citations import cite_quote
from assistant.compliance import RulesError, load_rules
from assistant.compliance.rules import clear_cache, norm
from assistant.ingest.loaders import load_folder
from tests.conftest import CORPUS

RULES = CORPUS / "rules"
RULE_FILES = sorted(RULES.rglob("*.yaml"))
DOCS = load_folder(CORPUS)


def _cited_entries(node: object, where: str = "") -> list[tuple[str, dict]]:
    """Every mapping in a YAML tree that has a doc_id or a quote, with its path."""
    found: list[tuple[str, dict]] = []
    if isinstance(node, dict):
        if "quote" in node or "doc_id" in node:
            found.append((where, node))
        for key, value in node.items():
            found += _cited_entries(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _cited_entries(value, f"{where}[{i}]")
    return found


ENTRIES = [
    pytest.param(path, where, entry, id=f"{path.relative_to(RULES)}{where}")
    for path in RULE_FILES
    for where, entry in _cited_entries(yaml.safe_load(path.read_text(encoding="utf-8")))
]


def test_rule_files_exist() -> None:
    names = {p.relative_to(RULES).as_posix() for p in RULE_FILES}
    assert {"carbon_tax.yaml", "agreements.yaml", "eligibility/papua-new-guinea.yaml"} <= names
    assert len(ENTRIES) > 50


@pytest.mark.parametrize(("path", "where", "entry"), ENTRIES)
def test_every_quote_is_found_in_its_document(path: Path, where: str, entry: dict) -> None:
    assert entry.get("doc_id") in DOCS, f"{path}{where}: unknown doc_id {entry.get('doc_id')!r}"
    quote = entry.get("quote")
    assert isinstance(quote, str) and quote.strip(), f"{path}{where}: no quote"
    citation = cite_quote(1, DOCS[entry["doc_id"]], quote)
    assert citation is not None, f"{path}{where}: quote not in {entry['doc_id']}: {quote!r}"
    assert norm(citation.quote) == norm(quote)


@pytest.mark.parametrize(("path", "where", "entry"), ENTRIES)
def test_quotes_have_no_markup(path: Path, where: str, entry: dict) -> None:
    quote = entry["quote"]
    for debris in ("**", "](", "<", ">", "•", "&nbsp;"):
        assert debris not in quote, f"{path}{where}: markup {debris!r} in quote"


# A quote that occurs more than once cites its first occurrence; these are checked below.
FIRST_OCCURRENCE_OK = {"papua new guinea"}
_MARKS = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def _flat(text: str) -> str:
    """The comparison cite_quote makes: case, whitespace and quote marks ignored."""
    return " ".join(text.translate(_MARKS).lower().split())


@pytest.mark.parametrize(("path", "where", "entry"), ENTRIES)
def test_quotes_point_at_one_place(path: Path, where: str, entry: dict) -> None:
    text, quote = _flat(DOCS[entry["doc_id"]].text), _flat(entry["quote"])
    if quote not in FIRST_OCCURRENCE_OK:
        assert text.count(quote) == 1, f"{path}{where}: quote occurs {text.count(quote)} times"


def test_loaded_rules_cite_every_clause() -> None:
    book = load_rules(CORPUS)
    clauses = list(book.clauses())
    assert len(clauses) > 50
    for clause in clauses:
        doc = DOCS[clause.doc_id]
        c = clause.citation
        assert doc.text[c.start : c.end] == c.quote
        assert c.published == doc.meta.published


def test_rules_load_once_per_folder() -> None:
    assert load_rules(CORPUS) is load_rules(CORPUS)
    assert load_rules() is load_rules(CORPUS)  # the default corpus is Settings().corpus_dir


def test_host_listing_cites_the_table_row() -> None:
    book = load_rules(CORPUS)
    png = book.eligibility_list("PNG")
    assert png is not None
    assert "Table 1" in png.listed.citation.section


def test_each_programme_cites_its_own_part_of_the_table() -> None:
    """A clause of programme P lies between P's heading and the next programme's heading."""
    png = load_rules(CORPUS).eligibility_list("Papua New Guinea")
    assert png is not None
    starts = [p.listed.citation.start for p in png.programmes] + [10**9]
    for i, prog in enumerate(png.programmes):
        lo, hi = starts[i], starts[i + 1]
        clauses = [prog.cutoff, *(c.clause for c in prog.conditions)]
        clauses += [m.clause for m in prog.methodology_exclusions]
        for cat in prog.category_exclusions:
            clauses += [cat.clause, *(e.clause for e in cat.exceptions)]
        for clause in clauses:
            assert lo <= clause.citation.start < hi, (prog.code, clause.citation.quote)


def test_png_list_covers_the_whole_table() -> None:
    png = load_rules(CORPUS).eligibility_list("Papua New Guinea")
    assert png is not None
    progs = {p.code: p for p in png.programmes}
    assert list(progs) == ["GS4GG", "VCS", "ACR", "GCC"]
    assert len(progs["GS4GG"].methodology_exclusions) == 4
    assert len(progs["GS4GG"].category_exclusions) == 1
    assert [m.code for m in progs["VCS"].methodology_exclusions] == ["VM0044"]
    (scope14,) = progs["VCS"].category_exclusions
    assert scope14.scope == 14 and len(scope14.exceptions) == 10
    assert progs["ACR"].category_exclusions[0].scope == 3
    assert len(progs["GCC"].category_exclusions) == 6
    assert [m.code for m in progs["GCC"].methodology_exclusions] == ["GCCM004", "GCCM005"]
    assert {str(p.published_before) for p in png.programmes} == {"2023-03-31"}


# ------------------------------------------------------------------ failures name the file


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    yield dst
    clear_cache()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_missing_quote_fails_loading_and_names_the_file(corpus_copy: Path) -> None:
    target = corpus_copy / "rules" / "eligibility" / "papua-new-guinea.yaml"
    _edit(target, "VM0026 Methodology for Sustainable Grassland Management, v1.1;",
          "VM0026 Methodology for Sustainable Grassland Management, v9.9;")  # fmt: skip
    with pytest.raises(RulesError) as err:
        load_rules(corpus_copy)
    message = str(err.value)
    assert str(target) in message and "quote not found" in message and "v9.9" in message
    assert "exceptions[3]" in message  # the entry, not just the file


def test_an_unknown_doc_id_fails_loading(corpus_copy: Path) -> None:
    target = corpus_copy / "rules" / "carbon_tax.yaml"
    _edit(target, "doc_id: sg-icc-eligibility-list-2023", "doc_id: no-such-doc")
    with pytest.raises(RulesError, match="unknown doc_id 'no-such-doc'") as err:
        load_rules(corpus_copy)
    assert "carbon_tax.yaml" in str(err.value)


def test_bad_yaml_fails_loading_and_names_the_file(corpus_copy: Path) -> None:
    target = corpus_copy / "rules" / "agreements.yaml"
    target.write_text("countries: [unclosed\n", encoding="utf-8")
    with pytest.raises(RulesError, match="agreements.yaml: cannot read it as YAML"):
        load_rules(corpus_copy)


def test_overlapping_rate_periods_fail_loading(corpus_copy: Path) -> None:
    _edit(corpus_copy / "rules" / "carbon_tax.yaml", "to_year: 2025", "to_year: 2026")
    with pytest.raises(RulesError, match="overlap"):
        load_rules(corpus_copy)


def test_a_missing_rules_folder_says_what_is_needed(corpus_copy: Path) -> None:
    shutil.rmtree(corpus_copy / "rules")
    with pytest.raises(RulesError, match="no rules folder"):
        load_rules(corpus_copy)


def test_an_alias_may_belong_to_one_host_only(corpus_copy: Path) -> None:
    folder = corpus_copy / "rules" / "eligibility"
    shutil.copy(folder / "papua-new-guinea.yaml", folder / "copy.yaml")
    with pytest.raises(RulesError, match="also in"):
        load_rules(corpus_copy)
