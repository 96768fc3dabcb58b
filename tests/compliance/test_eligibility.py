"""Eligibility checker: table-driven over every clause of the Papua New Guinea list."""

from __future__ import annotations

import json
from datetime import date

import pytest

from assistant.compliance import (
    ComplianceInputError,
    EligibilityResult,
    Verdict,
    check_eligibility,
    load_rules,
)
from assistant.compliance.eligibility import find_programme
from assistant.ingest.loaders import load_folder
from tests.conftest import CORPUS, ROOT

ELIGIBLE, NOT_ELIGIBLE, UNKNOWN = Verdict.ELIGIBLE, Verdict.NOT_ELIGIBLE, Verdict.CANNOT_DETERMINE
BEFORE = "2022-06-30"  # comfortably before the 31 March 2023 cut-off
DOCS = load_folder(CORPUS)
GOLD = ROOT / "evals" / "gold" / "eligibility.jsonl"


def check(programme: str, methodology: str, published: str | None = BEFORE,
          category: str | None = None, host: str = "Papua New Guinea") -> EligibilityResult:  # fmt: skip
    return check_eligibility(host, programme, methodology, published, category)


def cited(result: EligibilityResult) -> str:
    return " | ".join(c.quote for c in result.citations)


def reasons(result: EligibilityResult) -> str:
    return " ".join(r.text for r in result.reasons)


# ----------------------------------------------------------------------------- exclusions

EXCLUSIONS = [
    # (programme, methodology, category, a fragment of the clause that must be cited)
    ("GS4GG", "Methodology For Animal Waste Management and Biogas Application V1.1", None,
     "Animal Waste Management and Biogas Application V1.1"),
    ("GS4GG", "Methodology For Collection of Macroalgae to Avoid Emissions from Decomposition V1.0",
     None, "Collection of Macroalgae"),
    ("GS4GG", "Carbon Sequestration Through Accelerated Carbonation of Concrete Aggregate V1.0",
     None, "Accelerated Carbonation of Concrete Aggregate"),
    ("GS4GG", "Two And Three Wheeled Personal Transportation V1.0", None,
     "Two And Three Wheeled Personal Transportation"),
    ("GS4GG", "A/R GHG Emissions Reduction & Sequestration Methodology",
     "Land Use and Forestry & Agriculture", "“Land Use and Forestry & Agriculture” category"),
    ("GS4GG", "Some agriculture methodology", "Agriculture", "Land Use and Forestry & Agriculture"),
    ("VCS", "VM0044 Methodology for Biochar Utilization in Soil and Non-Soil Applications, v1.1",
     None, "VM0044 Methodology for Biochar"),
    ("VCS", "VM0007 REDD+ Methodology Framework", "Sectoral Scope 14", "“Sectoral Scope 14”"),
    ("VCS", "VM0047 Afforestation, Reforestation and Revegetation", "AFOLU", "Sectoral Scope 14"),
    ("ACR", "Improved Forest Management (IFM) on Non-Federal U.S. Forestlands",
     "Sectoral Scope 3 (Land Use, Land Use Change and Forestry)", "Sectoral Scope 3 (Land Use"),
    ("ACR", "Afforestation and Reforestation of Degraded Lands", "LULUCF", "Sectoral Scope 3"),
    ("GCC", "Nuclear power project", "Nuclear energy", "Nuclear energy;"),
    ("GCC", "Some methodology", "HFC-23 abatement", "HFC-23 abatement;"),
    ("GCC", "Some methodology", "REDD", "Reducing Emissions from Deforestation and Degradation"),
    ("GCC", "Some methodology", "Afforestation & Reforestation (A&R)", "Afforestation & Reforestation"),
    ("GCC", "Some methodology", "Carbon Capture & Storage", "Carbon Capture & Storage (CCS);"),
    ("GCC", "Some methodology", "Regional Positive List", "“Regional Positive List”"),
    ("GCC", "GCCM004 Methodology for Water Grid Connected Renewable Energy Based Desalination Plant, v1.0",
     None, "GCCM004"),
    ("GCC", "GCCM005 Methodology for Desalinated Water Savings in Buildings, v1.0", None, "GCCM005"),
    # GCC project types also show in a methodology's title
    ("GCC", "REDD+ avoided deforestation methodology", None, "(REDD);"),
    ("GCC", "Methodology for carbon capture and storage in saline aquifers", None, "(CCS);"),
]  # fmt: skip


@pytest.mark.parametrize(("programme", "methodology", "category", "clause"), EXCLUSIONS)
def test_every_exclusion_is_not_eligible(
    programme: str, methodology: str, category: str | None, clause: str
) -> None:
    result = check(programme, methodology, BEFORE, category)
    assert result.verdict is NOT_ELIGIBLE, reasons(result)
    assert clause in cited(result)
    assert result.conditions == () and result.missing == ()


@pytest.mark.parametrize(("programme", "methodology", "category", "clause"), EXCLUSIONS)
def test_an_exclusion_needs_no_publication_date(
    programme: str, methodology: str, category: str | None, clause: str
) -> None:
    assert check(programme, methodology, None, category).verdict is NOT_ELIGIBLE


# ------------------------------------------------------------------ allowable exceptions

EXCEPTIONS = [
    ("Jurisdictional and Nested REDD+ (JNR) framework, Scenario 2a", "Scenario 2a and 3 of VCS"),
    ("VCS JNR Scenario 3", "Scenario 2a and 3 of VCS"),
    ("VM0012 Improved Forest Management in Temperate and Boreal Forest, v1.2", "VM0012"),
    ("VM0022 Quantifying N2O Emissions Reductions in Agricultural Crops through Nitrogen "
     "Fertilizer Rate Reduction, v1.1", "VM0022"),
    ("VM0026 Methodology for Sustainable Grassland Management, v1.1", "VM0026"),
    ("VMD0040 Leakage from Displacement of Grazing Activities, v.1.0", "VMD0040"),
    ("VM0032 Methodology for the Adoption of Sustainable Grasslands through Adjustment of Fire "
     "and Grazing, v1.0", "VM0032"),
    ("VM0033 Methodology for Tidal Wetland and Seagrass Restoration, v2.1", "VM0033"),
    ("VM0036 Methodology for Rewetting Drained Temperate Peatlands, v1.0", "VM0036"),
    ("VM0041 Methodology for the Reduction of Enteric Methane Emissions from Ruminants through "
     "the Use of Feed Ingredients, v.2.0", "VM0041"),
    ("VM0042 Methodology for Improved Agricultural Land Management, v2.0", "VM0042"),
]  # fmt: skip


@pytest.mark.parametrize("category", ["Sectoral Scope 14", None])
@pytest.mark.parametrize(("methodology", "clause"), EXCEPTIONS)
def test_every_vcs_exception_is_eligible(
    methodology: str, clause: str, category: str | None
) -> None:
    result = check("VCS", methodology, BEFORE, category)
    assert result.verdict is ELIGIBLE, reasons(result)
    assert clause in cited(result)
    assert "allowable exception" in reasons(result)
    assert "“Sectoral Scope 14” category of VCS" in cited(result)


@pytest.mark.parametrize(("methodology", "listed"), [
    ("VM0033 Methodology for Tidal Wetland and Seagrass Restoration, v2.0", "v2.1"),
    ("VM0042 v1.0", "v2.0"),
    ("VM0012 v1.1", "v1.2"),
])  # fmt: skip
def test_an_unlisted_version_of_an_exception_falls_under_scope_14(
    methodology: str, listed: str
) -> None:
    result = check("VCS", methodology, BEFORE, "Sectoral Scope 14")
    assert result.verdict is NOT_ELIGIBLE
    assert listed in reasons(result)


@pytest.mark.parametrize("scenario", ["1", "2b"])
def test_other_jnr_scenarios_are_not_exceptions(scenario: str) -> None:
    result = check("VCS", f"JNR Scenario {scenario}", BEFORE, "Sectoral Scope 14")
    assert result.verdict is NOT_ELIGIBLE
    assert "Scenario 2a and 3" in reasons(result)


@pytest.mark.parametrize(
    "methodology", ["JNR", "Jurisdictional and Nested REDD+", "JNR Scenario 2"]
)
def test_jnr_without_a_clear_scenario_cannot_be_determined(methodology: str) -> None:
    result = check("VCS", methodology, BEFORE, "Sectoral Scope 14")
    assert result.verdict is UNKNOWN
    assert result.missing == ("methodology",)
    assert "scenario" in reasons(result).lower()


# ---------------------------------------------------------------------------- the cut-off

NOT_EXCLUDED = [
    ("GS4GG", "Methodology for Metered & Measured Energy Cooking Devices", "Energy Efficiency"),
    ("VCS", "VM0038 Methodology for Electric Vehicle Charging Systems, v1.0", "Sectoral Scope 7"),
    ("ACR", "Landfill Gas Destruction and Beneficial Use Projects", "Waste"),
    ("GCC", "GCCM001 Renewable Energy Generation Projects", "Renewable energy"),
]
CUTOFF = [
    ("2023-03-30", ELIGIBLE),
    ("2023-03-31", NOT_ELIGIBLE),  # "published before 31 March 2023" excludes the day itself
    ("2023-04-01", NOT_ELIGIBLE),
    ("2010-01-01", ELIGIBLE),
    ("2024-06-01", NOT_ELIGIBLE),
]


@pytest.mark.parametrize(("published", "verdict"), CUTOFF)
@pytest.mark.parametrize(("programme", "methodology", "category"), NOT_EXCLUDED)
def test_cutoff_on_both_sides(
    programme: str, methodology: str, category: str, published: str, verdict: Verdict
) -> None:
    result = check(programme, methodology, published, category)
    assert result.verdict is verdict, reasons(result)
    assert "published before 31 March 2023" in cited(result)


def test_the_cutoff_day_itself_is_explained() -> None:
    result = check("VCS", "VM0038", "2023-03-31", "Sectoral Scope 7")
    assert "cut-off day itself" in reasons(result)


def test_an_exception_still_needs_the_cutoff() -> None:
    assert check("VCS", "VM0042 v2.0", "2023-03-31", "Sectoral Scope 14").verdict is NOT_ELIGIBLE


def test_published_accepts_a_date_object() -> None:
    result = check_eligibility("PNG", "VCS", "VM0042", date(2023, 3, 30))
    assert result.verdict is ELIGIBLE


def test_a_malformed_date_is_an_input_error() -> None:
    with pytest.raises(ComplianceInputError, match="YYYY-MM-DD"):
        check_eligibility("PNG", "VCS", "VM0042", "31/03/2023")


# ------------------------------------------------------------------------- missing facts


@pytest.mark.parametrize(("programme", "methodology", "category"), NOT_EXCLUDED)
def test_missing_publication_date_cannot_be_determined(
    programme: str, methodology: str, category: str
) -> None:
    result = check(programme, methodology, None, category)
    assert result.verdict is UNKNOWN
    assert result.missing == ("published",)
    assert "publication date" in reasons(result)


@pytest.mark.parametrize(("methodology", "clause"), [
    (m, c) for m, c in EXCEPTIONS if "Scenario" not in m
])  # fmt: skip
def test_a_named_exception_in_its_version_needs_no_date(methodology: str, clause: str) -> None:
    result = check("VCS", methodology, None, None)
    assert result.verdict is ELIGIBLE, reasons(result)
    assert result.missing == ()
    cut = [c.text for c in result.conditions if "published before 31 March 2023" in c.text]
    assert cut and "allowable exception" in cut[0]
    assert clause in cited(result) and "published before 31 March 2023" in cited(result)


@pytest.mark.parametrize("methodology", ["VM0036", "VM0038 Methodology for Electric Vehicle "
                                         "Charging Systems, v1.0"])  # fmt: skip
def test_without_a_named_version_the_date_is_still_needed(methodology: str) -> None:
    result = check("VCS", methodology, None, "Sectoral Scope 7")
    assert result.verdict is UNKNOWN and result.missing == ("published",)


def test_a_named_exception_published_after_the_cutoff_is_not_eligible() -> None:
    result = check("VCS", "VM0036 v1.0", "2023-04-01", None)
    assert result.verdict is NOT_ELIGIBLE


def test_the_applicants_question() -> None:
    """'My project in Papua New Guinea uses VM0042 under Verra. Can its credits be used?'"""
    result = check_eligibility("Papua New Guinea", "Verra", "VM0042")
    assert result.verdict is UNKNOWN
    assert result.missing == ("published",)
    assert "allowable exception" in reasons(result)
    texts = " ".join(c.text for c in result.conditions)
    assert "Joint Committee" in texts and "CCB Standards" in texts and "SD VISta" in texts
    assert "active" in texts


@pytest.mark.parametrize(("programme", "methodology", "what"), [
    ("VCS", "VM0038 Methodology for Electric Vehicle Charging Systems", "sectoral scope"),
    ("ACR", "Landfill Gas Destruction and Beneficial Use Projects", "category"),
    ("GS4GG", "Methodology for Metered & Measured Energy Cooking Devices", "category"),
    ("GCC", "GCCM001 Renewable Energy Generation Projects", "category"),
])  # fmt: skip
def test_missing_category_cannot_be_determined(programme: str, methodology: str, what: str) -> None:
    result = check(programme, methodology, BEFORE, None)
    assert result.verdict is UNKNOWN
    assert result.missing == ("category",)
    assert what in reasons(result)


@pytest.mark.parametrize("category", ["Energy", "Transport", "renewables"])
def test_a_vcs_category_that_names_no_scope_cannot_be_determined(category: str) -> None:
    result = check("VCS", "VM0038", BEFORE, category)
    assert result.verdict is UNKNOWN and result.missing == ("category",)
    assert "sectoral scope number" in reasons(result)


@pytest.mark.parametrize("category", ["Sectoral Scope 7", "scope 1", "SS16", "7"])
def test_a_vcs_scope_other_than_14_is_not_excluded(category: str) -> None:
    assert check("VCS", "VM0038", BEFORE, category).verdict is ELIGIBLE


@pytest.mark.parametrize("category", ["Sectoral Scope 14", "scope 14", "SS14", "14", "AFOLU"])
def test_vcs_scope_14_spellings(category: str) -> None:
    assert check("VCS", "VM0038", BEFORE, category).verdict is NOT_ELIGIBLE


def test_missing_inputs_are_named() -> None:
    result = check_eligibility("", None, "  ")
    assert result.verdict is UNKNOWN
    assert set(result.missing) == {"host_country", "programme", "methodology"}


def test_a_methodology_code_of_another_programme_is_flagged() -> None:
    result = check("GCC", "VM0042", BEFORE, "Renewable energy")
    assert result.verdict is UNKNOWN
    assert "VCS methodology code" in reasons(result)


# ---------------------------------------------------------------- host countries, programmes


@pytest.mark.parametrize("host", ["Peru", "Ghana", "Bhutan", "Thailand", "Indonesia", "Atlantis"])
def test_unknown_host_country_cannot_be_determined(host: str) -> None:
    result = check("VCS", "VM0042 v2.0", BEFORE, "Sectoral Scope 14", host=host)
    assert result.verdict is UNKNOWN
    assert f"no eligibility list for {host}" in reasons(result)
    assert "would be agreed under the respective Implementation Agreement" in cited(result)
    assert result.conditions == ()


@pytest.mark.parametrize("host", ["Peru", "Ghana", "Viet Nam"])
def test_unknown_host_with_an_ia_says_so(host: str) -> None:
    result = check("VCS", "VM0042", BEFORE, host=host)
    assert "signed an Implementation Agreement with" in reasons(result)


@pytest.mark.parametrize("programme", [
    "Plan Vivo", "CDM", "Clean Development Mechanism", "Puro.earth", "Climate Action Reserve",
    "Isometric", "ART TREES", "Made-up Registry",
])  # fmt: skip
def test_unknown_programme_is_not_eligible(programme: str) -> None:
    result = check(programme, "Some methodology", BEFORE, "Energy")
    assert result.verdict is NOT_ELIGIBLE
    assert "names only GS4GG, VCS, ACR and GCC" in reasons(result)


PROGRAMME_ALIASES = [
    ("GS4GG", "GS4GG"), ("Gold Standard", "GS4GG"), ("gold standard", "GS4GG"),
    ("Gold Standard for the Global Goals", "GS4GG"),
    ("Gold Standard for the Global Goals (GS4GG)", "GS4GG"), ("Gold Stndard", "GS4GG"),
    ("VCS", "VCS"), ("vcs", "VCS"), ("Verra", "VCS"), ("verra", "VCS"),
    ("Verified Carbon Standard", "VCS"), ("Verified Carbon Standard (VCS)", "VCS"),
    ("Verra VCS Program", "VCS"),
    ("ACR", "ACR"), ("American Carbon Registry", "ACR"), ("American Carbon Registry (ACR)", "ACR"),
    ("GCC", "GCC"), ("Global Carbon Council", "GCC"), ("global carbon council (GCC)", "GCC"),
]  # fmt: skip


@pytest.mark.parametrize(("alias", "code"), PROGRAMME_ALIASES)
def test_programme_aliases(alias: str, code: str) -> None:
    png = load_rules().eligibility_list("PNG")
    assert png is not None
    programme = find_programme(png, alias)
    assert programme is not None and programme.code == code
    result = check(alias, "Some methodology", BEFORE, "Energy")
    assert f"({code}) is on the list" in reasons(result)


@pytest.mark.parametrize("alias", ["CAR", "GS4", "ACRE", "Plan Vivo"])
def test_near_misses_are_not_programme_aliases(alias: str) -> None:
    png = load_rules().eligibility_list("PNG")
    assert png is not None and find_programme(png, alias) is None


@pytest.mark.parametrize("host", [
    "Papua New Guinea", "papua new guinea", "PNG", "png", "P.N.G.", "Papua-New Guinea",
    "  Papua   New Guinea ", "Independent State of Papua New Guinea",
])  # fmt: skip
def test_host_country_aliases(host: str) -> None:
    result = check("VCS", "VM0042", BEFORE, host=host)
    assert result.verdict is ELIGIBLE
    assert "Papua New Guinea has an eligibility list" in reasons(result)


# ------------------------------------------------------------------- tolerant methodologies

TOLERANT = [
    ("VCS", "VM0042", ELIGIBLE),
    ("VCS", "vm 0042", ELIGIBLE),
    ("VCS", "VM-0042", ELIGIBLE),
    ("VCS", "VM0042 v2.0", ELIGIBLE),
    ("VCS", "VM0042 version 2", ELIGIBLE),
    ("VCS", "Methodology for Improved Agricultural Land Management", ELIGIBLE),
    ("VCS", "improved agricultural land management", ELIGIBLE),
    ("VCS", "Methodology for Sustainable Grassland Management", ELIGIBLE),
    ("VCS", "tidal wetland and seagrass restoration", ELIGIBLE),
    ("VCS", "vm0044", NOT_ELIGIBLE),
    ("VCS", "VM0044 v1.0", NOT_ELIGIBLE),  # the exclusion is read as covering the methodology
    ("VCS", "Methodology for Biochar Utilization in Soil and Non-Soil Applications", NOT_ELIGIBLE),
    ("GS4GG", "animal waste management and biogas", NOT_ELIGIBLE),
    ("GS4GG", "Methodology for animal waste management & biogas application", NOT_ELIGIBLE),
    ("GS4GG", "two and three wheeled personal transportation", NOT_ELIGIBLE),
    ("GS4GG", "Collection of Macroalgae to Avoid Emissions from Decomposition", NOT_ELIGIBLE),
    ("GCC", "gccm 004", NOT_ELIGIBLE),
    ("GCC", "GCCM5", NOT_ELIGIBLE),
]


@pytest.mark.parametrize(("programme", "methodology", "verdict"), TOLERANT)
def test_tolerant_methodology_matching(programme: str, methodology: str, verdict: Verdict) -> None:
    category = {"VCS": None, "GS4GG": "Energy Efficiency", "GCC": "Renewable energy"}[programme]
    result = check(programme, methodology, BEFORE, category)
    assert result.verdict is verdict, reasons(result)


@pytest.mark.parametrize("methodology", [
    "Improved Forest Management",  # VCS has several IFM methodologies; VM0012 is only one
    "Grassland",
    "VM0043",
])  # fmt: skip
def test_partial_names_do_not_claim_an_exception(methodology: str) -> None:
    result = check("VCS", methodology, BEFORE, "Sectoral Scope 14")
    assert result.verdict is NOT_ELIGIBLE
    assert "allowable exception" not in reasons(result)


# ------------------------------------------------------------------- conditions, citations


def test_vcs_conditions_include_the_co_benefit_report() -> None:
    result = check("VCS", "VM0038", BEFORE, "Sectoral Scope 7")
    assert result.verdict is ELIGIBLE
    report = [c for c in result.conditions if "Joint Committee" in c.text]
    assert len(report) == 1
    (n,) = report[0].citations
    assert "Where any VCS methodology is used" in result.citations[n - 1].quote


def test_non_vcs_conditions_have_no_co_benefit_report() -> None:
    result = check("GS4GG", "Methodology for Metered & Measured Energy Cooking Devices",
                   BEFORE, "Energy Efficiency")  # fmt: skip
    assert result.verdict is ELIGIBLE
    texts = " ".join(c.text for c in result.conditions)
    assert "Joint Committee" not in texts
    assert "active" in texts and "five per cent" in texts and "1 January 2024" in texts


def test_gcc_eligible_asks_to_confirm_the_regional_positive_list() -> None:
    result = check(
        "GCC", "GCCM001 Renewable Energy Generation Projects", BEFORE, "Renewable energy"
    )
    assert result.verdict is ELIGIBLE
    assert any("Regional Positive List" in c.text for c in result.conditions)


@pytest.mark.parametrize(("programme", "methodology", "published", "category"), [
    ("VCS", "VM0042", None, None),
    ("VCS", "VM0044", BEFORE, None),
    ("GCC", "Some methodology", BEFORE, "REDD"),
    ("Plan Vivo", "x", BEFORE, None),
    ("VCS", "VM0038", BEFORE, "Sectoral Scope 7"),
])  # fmt: skip
def test_citations_are_exact_numbered_spans(
    programme: str, methodology: str, published: str | None, category: str | None
) -> None:
    result = check(programme, methodology, published, category)
    assert [c.n for c in result.citations] == list(range(1, len(result.citations) + 1))
    used = {n for f in (*result.reasons, *result.conditions) for n in f.citations}
    assert used == {c.n for c in result.citations}  # every citation used, every marker valid
    for c in result.citations:
        assert DOCS[c.doc_id].text[c.start : c.end] == c.quote
    assert all(r.citations for r in result.reasons)  # every reason has its clause


def test_result_json_contract() -> None:
    data = check_eligibility("PNG", "Verra", "VM0042", "2022-06-30", "Sectoral Scope 14").to_dict()
    assert {"verdict", "reasons", "conditions", "citations"} <= set(data)
    assert data["verdict"] == "eligible"
    assert all({"text", "citations"} == set(r) for r in data["reasons"] + data["conditions"])
    assert {"n", "doc_id", "quote", "start", "end", "published"} <= set(data["citations"][0])
    json.dumps(data)  # serialisable as is


# ----------------------------------------------------------------------------- gold set


def _gold() -> list[dict]:
    if not GOLD.is_file():
        return []
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.skipif(not GOLD.is_file(), reason="no gold eligibility set")
@pytest.mark.parametrize("item", _gold(), ids=lambda item: item["id"])
def test_gold_eligibility_items(item: dict) -> None:
    result = check_eligibility(
        item["host_country"], item["programme"], item["methodology"],
        item["published"], item["category"],
    )  # fmt: skip
    assert str(result.verdict) == item["expected"], (item["why"], reasons(result))


def test_an_eligible_verdict_lists_the_seven_principles_each_cited_to_annex_a() -> None:
    result = check("VCS", "VM0036 Methodology for Rewetting Drained Temperate Peatlands, v1.0")
    assert result.verdict is ELIGIBLE
    principles = [c for c in result.conditions if c.text.startswith("Principle ")]
    assert [c.text.split(",")[0] for c in principles] == [
        f"Principle {i} of 7" for i in range(1, 8)
    ]
    by_n = {c.n: c for c in result.citations}
    for p in principles:
        (n,) = p.citations
        assert by_n[n].doc_id == "sg-icc-eligibility-list-2023-pdf" and by_n[n].page == 6
        assert "Annex A" in by_n[n].section
