"""How the registry's values are spelled in IATI 2.03 documents, both ways: the Centre's
vocabulary URIs and extension namespace, and the result type and indicator measure codes."""

from __future__ import annotations

from services.projects.models import IndicatorMeasure, ResultType

VOCABULARY_BASE = "urn:sdgc:vocabulary:"
EXTENSION_NS = "urn:sdgc:iati-extension"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RESULT_TYPE_CODES = {ResultType.OUTPUT: "1", ResultType.OUTCOME: "2", ResultType.IMPACT: "3"}
MEASURE_CODES = {
    IndicatorMeasure.UNIT: "1",
    IndicatorMeasure.PERCENTAGE: "2",
    IndicatorMeasure.QUALITATIVE: "5",
}
