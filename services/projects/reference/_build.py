"""Regenerate the IATI-derived data files of this package (maintainer tool).

Not used at run time.  Given the directory that holds the project's reference
material (``sdg/sdg.json`` and ``iati/codelists/*.xml``), it

* copies ``sdg/sdg.json`` byte for byte to ``data/sdg.json``;
* converts each IATI codelist in :data:`CODELISTS` to ``data/iati/<Name>.json``,
  keeping only the code, the English name (whitespace collapsed) and the
  status (``active``/``withdrawn``).

Usage::

    python -m services.projects.reference._build REFERENCE_DIR

The hand-written files (programme countries, SPECA, LLDC priorities,
coalitions, dimensions) are not touched.
"""

from __future__ import annotations

import argparse
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: Codelists the registry uses (plus ``Country``, the basis of ``countries()``).
CODELISTS: tuple[str, ...] = (
    "ActivityDateType",
    "ActivityScope",
    "ActivityStatus",
    "AidType",
    "BudgetStatus",
    "BudgetType",
    "CollaborationType",
    "Country",
    "Currency",
    "DescriptionType",
    "DocumentCategory",
    "FinanceType",
    "FlowType",
    "IndicatorMeasure",
    "IndicatorVocabulary",
    "Language",
    "OrganisationRegistrationAgency",
    "OrganisationRole",
    "OrganisationType",
    "Region",
    "RegionVocabulary",
    "ResultType",
    "ResultVocabulary",
    "Sector",
    "SectorVocabulary",
    "TagVocabulary",
    "TiedStatus",
    "TransactionType",
    "UNSDG-Goals",
    "UNSDG-Targets",
    "Version",
)

#: Provenance as recorded in the reference material's iati/README.md.
EMBEDDED_SOURCE = "IATI/IATI-Codelists@75e827bacd29:xml/{name}.xml"
NON_EMBEDDED_SOURCE = "IATI/IATI-Codelists-NonEmbedded@7aeece773c60:xml/{name}.xml"
LICENCE = "CC BY 4.0"
ATTRIBUTION = "IATI Standard (http://iatistandard.org/)"


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _english_name(item: ET.Element) -> str | None:
    for narrative in item.findall("name/narrative"):
        if narrative.get(_XML_LANG) in (None, "en"):
            text = _collapse(narrative.text or "")
            if text:
                return text
    return None


def convert_codelist(xml_path: Path) -> dict[str, object]:
    """Return the JSON document for one IATI codelist XML file."""
    # The input is the project's own vetted reference material, not user data.
    root = ET.parse(xml_path).getroot()  # noqa: S314
    name = root.get("name")
    if name is None or name != xml_path.stem:
        raise ValueError(f"{xml_path.name}: codelist name {name!r} != file name")
    template = EMBEDDED_SOURCE if root.get("embedded") == "1" else NON_EMBEDDED_SOURCE
    items: list[dict[str, str]] = []
    seen: set[str] = set()
    for item in root.findall("codelist-items/codelist-item"):
        code = _collapse(item.findtext("code") or "")
        if not code or code in seen:
            raise ValueError(f"{xml_path.name}: empty or duplicate code {code!r}")
        seen.add(code)
        status = item.get("status", "active")
        if status not in ("active", "withdrawn"):
            raise ValueError(f"{xml_path.name}: {code}: unknown status {status!r}")
        # Version has no names in IATI; its code is its name.
        items.append({"code": code, "name": _english_name(item) or code, "status": status})
    return {
        "codelist": name,
        "complete": root.get("complete") == "1",
        "source": template.format(name=name),
        "licence": LICENCE,
        "attribution": ATTRIBUTION,
        "items": items,
    }


def dump(document: dict[str, object]) -> str:
    """Serialise with one list item per line (small, diff-friendly files)."""
    lines = ["{"]
    keys = list(document)
    for index, key in enumerate(keys):
        value = document[key]
        comma = "," if index < len(keys) - 1 else ""
        if isinstance(value, list):
            lines.append(f" {json.dumps(key)}: [")
            rendered = [json.dumps(v, ensure_ascii=False) for v in value]
            lines.extend(
                f"  {r}," if i < len(rendered) - 1 else f"  {r}" for i, r in enumerate(rendered)
            )
            lines.append(f" ]{comma}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def build(reference_dir: Path, data_dir: Path) -> None:
    shutil.copyfile(reference_dir / "sdg" / "sdg.json", data_dir / "sdg.json")
    iati_dir = data_dir / "iati"
    iati_dir.mkdir(exist_ok=True)
    for name in CODELISTS:
        document = convert_codelist(reference_dir / "iati" / "codelists" / f"{name}.xml")
        (iati_dir / f"{name}.json").write_text(dump(document), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference_dir", type=Path)
    args = parser.parse_args()
    build(args.reference_dir, Path(__file__).resolve().parent / "data")


if __name__ == "__main__":
    main()
