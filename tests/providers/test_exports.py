"""CSV and XLSX exports: parseable, Swedish labels and formats, filters applied, role respected."""
from __future__ import annotations

import csv
import io

import openpyxl

from tests.factories import make_check, make_licence, make_provider
from tests.providers.factories import make_flag
from vendor_registry.codes import CheckOutcome, CheckType, ProviderStatus


def _csv(response) -> list[dict]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Swedish Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def _setup():
    a = make_provider(name="Export Alfa AB", kinds=["hvb"], status=ProviderStatus.APPROVED, county="12",
                      municipality="=HYPERLINK(\"x\")")
    make_licence(a)
    make_flag(a)
    make_check(a, check_type=CheckType.TAX_REGISTRATION, summary="Skatteskuld 12 000 kr", result=CheckOutcome.CONCERN)
    make_provider(name="Export Beta AB", kinds=["outpatient"], status=ProviderStatus.DRAFT)
    return a


def test_csv_has_swedish_labels_and_formats(client, as_role, db_session):
    alfa = _setup()
    db_session.commit()
    as_role("procurement_officer")
    response = client.get("/providers/export.csv?q=export")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert [r["Namn"] for r in rows] == ["Export Alfa AB", "Export Beta AB"]
    first = rows[0]
    assert first["Organisationsnummer"] == f"{alfa.org_number[:6]}-{alfa.org_number[6:]}"
    assert first["Verksamhetstyper"] == "HVB" and first["Godkännandestatus"] == "Godkänd"
    assert first["Län (säte)"] == "Skåne län" and first["Tillstånd"] == "Giltigt tillstånd"
    assert first["Öppna avvikelser"] == "1" and first["Varav kritiska"] == "1"
    assert first["Kontroller aktuella"] == "nej"
    assert first["Status ändrad"].count("-") == 2 and len(first["Status ändrad"]) == 10
    assert first["F-skatt och skatteskulder: resultat"] == "Anmärkning"
    assert first["Kommun (säte)"].startswith("'=")  # no formula injection


def test_export_applies_the_filters(client, as_role, db_session):
    _setup()
    db_session.commit()
    as_role("supervisor")
    rows = _csv(client.get("/providers/export.csv?q=export&status=draft"))
    assert [r["Namn"] for r in rows] == ["Export Beta AB"]
    rows = _csv(client.get("/providers/export.csv?q=export&critical_flag=yes"))
    assert [r["Namn"] for r in rows] == ["Export Alfa AB"]


def test_social_worker_export_has_no_check_details(client, as_role, db_session):
    _setup()
    db_session.commit()
    as_role("social_worker")
    response = client.get("/providers/export.csv?q=export")
    text = response.get_data().decode("utf-8-sig")
    rows = _csv(response)
    assert "Kontroller aktuella" in rows[0]
    assert not [h for h in rows[0] if ":" in h]
    assert "Anmärkning" not in text and "Skatteskuld" not in text
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/providers/export.xlsx?q=export").get_data())).active
    header = [c.value for c in sheet[1]]
    assert "Kontroller aktuella" in header and not [h for h in header if ":" in h]


def test_xlsx_opens_and_matches(client, as_role, db_session):
    _setup()
    db_session.commit()
    as_role("admin")
    response = client.get("/providers/export.xlsx?q=export&kind=hvb")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header, rows = values[0], values[1:]
    assert len(rows) == 1
    row = dict(zip(header, rows[0]))
    assert row["Namn"] == "Export Alfa AB" and row["Tillstånd"] == "Giltigt tillstånd"
    assert row["F-skatt och skatteskulder: resultat"] == "Anmärkning"


def test_export_requires_login(client):
    response = client.get("/providers/export.csv")
    assert response.status_code in (302, 401)
