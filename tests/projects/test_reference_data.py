"""Behaviour of the project registry's shipped reference data."""

from __future__ import annotations

import ast
import dataclasses
import json
from importlib import resources
from pathlib import Path

import pytest

from services.projects import reference as ref

PACKAGE = "services.projects.reference"

REQUIRED_CODELISTS = (
    "ActivityStatus",
    "ActivityDateType",
    "OrganisationRole",
    "OrganisationType",
    "ResultType",
    "IndicatorMeasure",
    "IndicatorVocabulary",
    "Region",
    "RegionVocabulary",
    "Currency",
    "Sector",
    "SectorVocabulary",
    "TagVocabulary",
    "TransactionType",
    "BudgetType",
    "BudgetStatus",
    "DocumentCategory",
    "DescriptionType",
    "Language",
    "Version",
    "ActivityScope",
    "CollaborationType",
    "FinanceType",
    "FlowType",
    "AidType",
    "TiedStatus",
    "ResultVocabulary",
    "UNSDG-Goals",
    "UNSDG-Targets",
    "OrganisationRegistrationAgency",
)


# ------------------------------------------------------------------------ SDG


def test_catalogue_has_17_goals_coded_1_to_17_in_order() -> None:
    assert [g.code for g in ref.sdg_goals()] == [str(n) for n in range(1, 18)]
    goal = ref.sdg_goal("1")
    assert goal is not None
    assert goal.title == "End poverty in all its forms everywhere"


def test_catalogue_has_169_targets_with_unique_codes() -> None:
    targets = ref.sdg_targets()
    assert len(targets) == 169
    assert len({t.code for t in targets}) == 169


def test_catalogue_has_248_indicator_entries_and_232_distinct_unsd_codes() -> None:
    indicators = ref.sdg_indicators()
    assert len(indicators) == 248
    assert len({i.unsd_code for i in indicators}) == 232


def test_unknown_codes_are_not_found() -> None:
    assert ref.sdg_target("18.1") is None
    assert ref.sdg_goal("18") is None
    assert ref.sdg_goal("0") is None
    assert ref.sdg_indicator("17.20.1") is None
    assert ref.targets_of_goal("18") == ()
    assert ref.indicators_of_target("18.1") == ()


def test_indicator_17_18_1_is_known_and_belongs_to_target_17_18_of_goal_17() -> None:
    indicator = ref.sdg_indicator("17.18.1")
    assert indicator is not None
    assert indicator.target_code == "17.18"
    assert indicator.unsd_code == "C171804"
    target = ref.sdg_target("17.18")
    assert target is not None
    assert target.goal_code == "17"
    assert indicator in ref.indicators_of_target("17.18")


def test_goal_17_has_targets_17_1_to_17_19() -> None:
    assert [t.code for t in ref.targets_of_goal("17")] == [f"17.{n}" for n in range(1, 20)]


def test_lettered_targets_are_known() -> None:
    target = ref.sdg_target("1.a")
    assert target is not None
    assert [i.code for i in target.indicators] == ["1.a.1", "1.a.2"]


def test_target_11_c_has_no_indicator() -> None:
    assert ref.sdg_target("11.c") is not None
    assert ref.indicators_of_target("11.c") == ()


def test_repeated_indicators_share_one_unsd_code() -> None:
    repeats = [ref.sdg_indicator(c) for c in ("1.5.1", "11.5.1", "13.1.1")]
    assert {i.unsd_code for i in repeats if i is not None} == {"C200303"}
    assert None not in repeats


def test_every_target_and_indicator_code_is_prefixed_by_its_parent() -> None:
    for goal in ref.sdg_goals():
        assert goal.title.strip() == goal.title and goal.title
        for target in goal.targets:
            assert target.code.startswith(goal.code + ".")
            assert target.goal_code == goal.code
            for indicator in target.indicators:
                assert indicator.code.startswith(target.code + ".")
                assert "  " not in indicator.title


def test_sdg_codes_agree_with_iati_unsdg_codelists() -> None:
    assert ref.codelist("UNSDG-Goals").codes() == tuple(g.code for g in ref.sdg_goals())
    assert set(ref.codelist("UNSDG-Targets").codes()) == {t.code for t in ref.sdg_targets()}


# ------------------------------------------------------------------ countries

PROGRAMME = [
    ("KZ", "KAZ", "398", "Central Asia", "143", "Europe and Central Asia"),
    ("KG", "KGZ", "417", "Central Asia", "143", "Europe and Central Asia"),
    ("TJ", "TJK", "762", "Central Asia", "143", "Europe and Central Asia"),
    ("TM", "TKM", "795", "Central Asia", "143", "Europe and Central Asia"),
    ("UZ", "UZB", "860", "Central Asia", "143", "Europe and Central Asia"),
    ("AF", "AFG", "004", "Southern Asia", "034", "Asia and the Pacific"),
]


def test_there_are_exactly_six_programme_countries_in_programme_order() -> None:
    assert [c.alpha2 for c in ref.programme_countries()] == [row[0] for row in PROGRAMME]
    assert sorted(c.alpha2 for c in ref.countries() if c.programme) == sorted(
        row[0] for row in PROGRAMME
    )


@pytest.mark.parametrize(
    ("alpha2", "alpha3", "m49", "region", "region_code", "platform"), PROGRAMME
)
def test_programme_country_has_official_codes(
    alpha2: str, alpha3: str, m49: str, region: str, region_code: str, platform: str
) -> None:
    country = ref.country(alpha2)
    assert country is not None
    assert country.programme
    assert not country.withdrawn
    assert (country.alpha3, country.m49, country.m49_region) == (alpha3, m49, region)
    assert (country.m49_region_code, country.regional_platform) == (region_code, platform)


def test_m49_codes_are_three_character_strings() -> None:
    afghanistan = ref.country("AF")
    assert afghanistan is not None
    assert afghanistan.m49 == "004"
    assert afghanistan.name == "Afghanistan"
    assert all(isinstance(c.m49, str) and len(c.m49) == 3 for c in ref.programme_countries())


def test_other_countries_are_listed_without_programme_details() -> None:
    germany = ref.country("DE")
    assert germany is not None
    assert germany.name == "Germany"
    assert not germany.programme
    assert germany.m49 is None and germany.alpha3 is None
    assert len(ref.countries()) > 240


def test_withdrawn_country_is_flagged_and_hidden_by_default() -> None:
    antilles = ref.country("AN")
    assert antilles is not None
    assert antilles.withdrawn
    assert "AN" not in {c.alpha2 for c in ref.countries()}
    assert "AN" in {c.alpha2 for c in ref.countries(include_withdrawn=True)}


def test_country_lookup_is_exact_and_unknown_returns_none() -> None:
    assert ref.country("QQ") is None
    assert ref.country("kz") is None
    assert ref.country("KAZ") is None


# ------------------------------------------------------------------ codelists


def _name(codelist: ref.Codelist, code: str) -> str | None:
    item = codelist.get(code)
    return item.name if item is not None else None


def test_all_codelists_the_registry_uses_are_shipped_and_non_empty() -> None:
    names = ref.codelist_names()
    missing = [name for name in REQUIRED_CODELISTS if name not in names]
    assert missing == []
    for name in REQUIRED_CODELISTS:
        codelist = ref.codelist(name)
        assert codelist.name == name
        assert codelist.items
        assert all(item.code and item.name for item in codelist.items)
        assert codelist.source.startswith("IATI/")


def test_unknown_codelist_name_raises_key_error() -> None:
    with pytest.raises(KeyError):
        ref.codelist("NoSuchCodelist")
    with pytest.raises(KeyError):
        ref.codelist("../sdg")


def test_activity_status_codes_1_to_6_are_present() -> None:
    status = ref.codelist("ActivityStatus")
    assert status.codes() == ("1", "2", "3", "4", "5", "6")
    assert _name(status, "1") == "Pipeline/identification"
    assert not status.contains("7")


def test_organisation_role_codes_1_to_4() -> None:
    roles = ref.codelist("OrganisationRole")
    assert [(i.code, i.name) for i in roles.items] == [
        ("1", "Funding"),
        ("2", "Accountable"),
        ("3", "Extending"),
        ("4", "Implementing"),
    ]


def test_result_type_and_indicator_measure_codes() -> None:
    assert ref.codelist("ResultType").codes() == ("1", "2", "3", "9")
    assert ref.codelist("IndicatorMeasure").codes() == ("1", "2", "3", "4", "5")


def test_transaction_types_used_by_the_registry_are_present() -> None:
    transaction = ref.codelist("TransactionType")
    for code in ("1", "2", "3", "4", "11", "12", "13"):
        assert transaction.contains(code), code
    assert _name(transaction, "3") == "Disbursement"


def test_sdg_vocabulary_codes_are_present() -> None:
    assert ref.codelist("TagVocabulary").contains("2")
    assert ref.codelist("TagVocabulary").contains("3")
    sector_vocabulary = ref.codelist("SectorVocabulary")
    assert [_name(sector_vocabulary, c) for c in ("7", "8", "9")] == [
        "SDG Goal",
        "SDG Target",
        "SDG Indicator",
    ]
    assert ref.codelist("IndicatorVocabulary").contains("9")


def test_currency_accepts_iso_4217_codes_and_rejects_bogus_ones() -> None:
    for code in ("USD", "EUR", "KZT", "KGS", "TJS", "TMT", "UZS", "AFN"):
        assert ref.is_currency(code), code
    assert not ref.is_currency("XXX-bogus")
    assert not ref.is_currency("usd")
    assert not ref.is_currency("")


def test_withdrawn_codes_are_rejected_unless_allowed() -> None:
    currency = ref.codelist("Currency")
    estonian_kroon = currency.get("EEK")
    assert estonian_kroon is not None
    assert estonian_kroon.withdrawn
    assert not ref.is_currency("EEK")
    assert not currency.contains("EEK")
    assert currency.contains("EEK", allow_withdrawn=True)
    assert "EEK" not in currency.codes()
    assert "EEK" in currency.codes(include_withdrawn=True)


def test_incomplete_codelists_are_flagged() -> None:
    assert ref.codelist("ActivityStatus").complete
    assert not ref.codelist("Language").complete


def test_country_codelist_backs_the_country_table() -> None:
    assert set(ref.codelist("Country").codes(include_withdrawn=True)) == {
        c.alpha2 for c in ref.countries(include_withdrawn=True)
    }


# --------------------------------------------------------- domain vocabularies


def test_speca_has_six_working_groups_with_stable_slugs() -> None:
    groups = {g.code: g for g in ref.speca_groups()}
    assert set(groups) == {
        "transport-connectivity",
        "water-energy-environment",
        "trade",
        "innovation-technology",
        "gender-sdgs",
        "statistics",
    }
    transport = groups["transport-connectivity"]
    assert transport.name == "Sustainable Transport, Transit and Connectivity"
    assert groups["innovation-technology"].former_name == "Knowledge-based Development"
    assert groups["gender-sdgs"].former_name == "Gender and Economy"
    assert groups["trade"].former_name is None


def test_speca_members_are_the_seven_countries() -> None:
    assert {c.alpha2 for c in ref.speca_members()} == {"AF", "AZ", "KZ", "KG", "TJ", "TM", "UZ"}


def test_lldc_programme_of_action_has_five_priorities() -> None:
    priorities = ref.lldc_priorities()
    assert [p.code for p in priorities] == ["1", "2", "3", "4", "5"]
    assert priorities[2].name == "Transit, transport and connectivity"
    assert priorities[4].name == "Means of implementation"


def test_coalitions_are_seven_issue_based_coalitions_plus_two_other_groups() -> None:
    coalitions = ref.coalitions(include_other_groups=False)
    assert len(coalitions) == 7
    assert "Gender Equality" in {c.name for c in coalitions}
    everything = ref.coalitions()
    assert len(everything) == 9
    assert {c.code for c in everything} - {c.code for c in coalitions} == {
        "data-statistics",
        "digital-transformation",
    }


def test_vocabulary_codes_are_lowercase_slugs_or_numbers() -> None:
    for entries in (ref.speca_groups(), ref.coalitions(), ref.dimensions()):
        for entry in entries:
            assert entry.code == entry.code.lower()
            assert " " not in entry.code


# ------------------------------------------------------------------ dimensions


def test_there_are_three_dimensions() -> None:
    assert [d.code for d in ref.dimensions()] == ["economic", "social", "environmental"]


def test_every_goal_maps_to_at_least_one_known_dimension() -> None:
    allowed = {"economic", "social", "environmental"}
    for goal in ref.sdg_goals():
        dims = ref.dimensions_for_goal(goal.code)
        assert dims, goal.code
        assert set(dims) <= allowed, goal.code


def test_wedding_cake_grouping_is_used() -> None:
    by_dimension: dict[str, set[str]] = {"economic": set(), "social": set(), "environmental": set()}
    for goal in ref.sdg_goals():
        for dim in ref.dimensions_for_goal(goal.code):
            by_dimension[dim].add(goal.code)
    assert by_dimension["environmental"] == {"6", "13", "14", "15", "17"}
    assert by_dimension["social"] == {"1", "2", "3", "4", "5", "7", "11", "16", "17"}
    assert by_dimension["economic"] == {"8", "9", "10", "12", "17"}
    assert ref.dimensions_for_goal("17") == ("economic", "social", "environmental")


def test_dimensions_for_unknown_goal_are_empty() -> None:
    assert ref.dimensions_for_goal("18") == ()


def test_dimensions_for_several_goals_are_the_union_in_canonical_order() -> None:
    assert ref.dimensions_for_goals(["13", "8"]) == ("economic", "environmental")
    assert ref.dimensions_for_goals([]) == ()


# --------------------------------------------------------------- packaging


def test_package_data_loads_via_importlib_resources() -> None:
    data = resources.files(PACKAGE) / "data"
    sdg = json.loads((data / "sdg.json").read_text(encoding="utf-8"))
    assert len(sdg["goals"]) == 17
    status = json.loads((data / "iati" / "ActivityStatus.json").read_text(encoding="utf-8"))
    assert status["attribution"] == "IATI Standard (http://iatistandard.org/)"


def test_every_data_file_records_its_source_and_is_documented() -> None:
    package = resources.files(PACKAGE)
    readme = (package / "README.md").read_text(encoding="utf-8")
    data = package / "data"
    top_level = [f for f in data.iterdir() if f.name.endswith(".json")]
    iati = [f for f in (data / "iati").iterdir() if f.name.endswith(".json")]
    assert len(top_level) == 6
    for resource in [*top_level, *iati]:
        document = json.loads(resource.read_text(encoding="utf-8"))
        assert document.get("source"), resource.name
    for resource in top_level:
        assert f"data/{resource.name}" in readme, resource.name
    for resource in iati:
        assert resource.name.removesuffix(".json") in readme, resource.name


def test_returned_values_are_immutable() -> None:
    goal = ref.sdg_goals()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        goal.title = "changed"  # type: ignore[misc]
    country = ref.programme_countries()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        country.m49 = "000"  # type: ignore[misc]
    assert isinstance(ref.sdg_goals(), tuple)
    assert ref.sdg_goals() is ref.sdg_goals()


def test_loader_imports_no_web_or_database_framework() -> None:
    package_dir = Path(ref.__file__).parent
    forbidden = {"fastapi", "starlette", "sqlalchemy", "pydantic"}
    for source in package_dir.rglob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                roots = {node.module.split(".")[0]}
            else:
                continue
            assert not roots & forbidden, f"{source.name} imports {roots & forbidden}"


def test_country_and_currency_checks_agree_with_the_shared_codes() -> None:
    from shared import codes

    for country in ref.countries(include_withdrawn=True):
        assert ref.is_country(country.alpha2) == codes.is_country(country.alpha2)
    for item in ref.codelist("Currency").items:
        assert ref.is_currency(item.code) == codes.is_currency(item.code)
    assert ref.is_country("KZ") and not ref.is_country("QQ")
