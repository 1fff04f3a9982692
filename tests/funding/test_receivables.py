"""Contributions receivable as of a day: due, received, outstanding, overdue and aged."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from tests.funding.flow_helpers import contributor, receive, signed_agreement

INSTALMENTS = [
    {"due_date": "2027-01-15", "amount": "300.00"},
    {"due_date": "2027-03-01", "amount": "300.00"},
    {"due_date": "2027-10-01", "amount": "400.00"},
]


def _report(client: TestClient, as_of: str, **params: str) -> dict:  # type: ignore[type-arg]
    answer = client.get(
        "/api/v1/reports/contributions-receivable", params={"as_of": as_of, **params}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _scenario(client: TestClient) -> int:
    norway = contributor(client, "Norway")
    agreement = signed_agreement(client, norway, instalments=INSTALMENTS)
    paid = receive(client, agreement["id"], "300.00", instalment=1, value_date="2027-01-20")
    assert paid.status_code == 201, paid.text
    part = receive(client, agreement["id"], "100.00", instalment=2, value_date="2027-04-10")
    assert part.status_code == 201, part.text
    return int(agreement["id"])


def test_each_instalment_is_due_received_outstanding_and_aged_as_of_a_day(
    client: TestClient,
) -> None:
    agreement_id = _scenario(client)
    report = _report(client, "2027-06-01")
    (item,) = report["items"]
    assert (item["agreement_id"], item["contributor_name"]) == (agreement_id, "Norway")
    lines = [
        (i["number"], i["received"], i["outstanding"], i["days_overdue"], i["age"])
        for i in item["instalments"]
    ]
    assert lines == [
        (1, "300.00", "0.00", None, None),
        (2, "100.00", "200.00", 92, "91-365"),  # due 1 March, 92 days by 1 June
        (3, "0.00", "400.00", None, "not due"),
    ]
    assert (item["outstanding_usd"], item["overdue_usd"]) == ("600.00", "200.00")
    assert (report["outstanding_usd"], report["overdue_usd"]) == ("600.00", "200.00")
    ages = {a["age"]: a["outstanding_usd"] for a in report["by_age"]}
    assert ages == {
        "0-30": "0.00",
        "31-90": "0.00",
        "91-365": "200.00",
        ">365": "0.00",
        "not due": "400.00",
    }


def test_an_earlier_day_shows_what_was_outstanding_then(client: TestClient) -> None:
    _scenario(client)
    report = _report(client, "2027-03-31")  # before the part payment of 10 April
    lines = [
        (i["outstanding"], i["days_overdue"], i["age"]) for i in report["items"][0]["instalments"]
    ]
    assert lines == [("0.00", None, None), ("300.00", 30, "0-30"), ("400.00", None, "not due")]
    before_signing = _report(client, "2027-01-01")
    assert before_signing["items"] == [] and before_signing["outstanding_usd"] == "0.00"


def test_a_receipt_reversed_later_counted_until_its_reversal(client: TestClient) -> None:
    agreement_id = _scenario(client)
    receipts = client.get("/api/v1/contributions", params={"agreement_id": agreement_id})
    first = next(c for c in receipts.json()["items"] if c["value_date"] == "2027-01-20")
    reversed_ = client.post(
        f"/api/v1/contributions/{first['id']}/reversal",
        json={"reason": "bounced", "value_date": "2027-05-01"},
    )
    assert reversed_.status_code == 201, reversed_.text
    assert _report(client, "2027-04-30")["items"][0]["instalments"][0]["outstanding"] == "0.00"
    after = _report(client, "2027-06-01")["items"][0]["instalments"][0]
    assert (after["outstanding"], after["days_overdue"], after["age"]) == ("300.00", 137, "91-365")


def test_the_csv_has_a_row_per_instalment_and_the_totals(client: TestClient) -> None:
    _scenario(client)
    answer = client.get(
        "/api/v1/reports/contributions-receivable", params={"as_of": "2027-06-01", "format": "csv"}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0][:3] == ["contributor", "agreement", "instalment"]
    assert [r[2] for r in rows[1:4]] == ["1", "2", "3"]
    assert rows[-1][0] == "total" and rows[-1][8] == "600.00"
