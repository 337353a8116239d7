"""CSV and XLSX exports: parseable, Swedish labels and formats, filters applied, role respected."""
from __future__ import annotations

import csv
import io

import openpyxl

from tests.factories import make_check, make_licence, make_provider
from tests.providers.factories import make_flag
from vendor_registry.codes import CheckOutcome, CheckType, ProviderStatus
from vendor_registry.database import utcnow


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


def test_export_statement_count_does_not_grow_with_providers(client, as_role, db_session, statement_counter):
    """An export of everything a filter matches asks for the facts with ``IN (subquery)``:
    the same statements for 5 providers as for 1,000 (more than one id chunk of 900)."""
    from tests.factories import next_org_number
    from vendor_registry.providers.models import Provider

    def populate(prefix: str, count: int, start: int = 0):
        db_session.execute(Provider.__table__.insert(), [
            {"org_number": next_org_number(), "name": f"{prefix} {n:04d} AB", "kinds": ["hvb"], "ownership": "private",
             "county": "01", "counties_served": ["01"], "target_groups": [], "housing_forms": [], "languages": [],
             "service_areas": [], "status": "approved", "status_changed_at": utcnow(), "version": 1,
             "created_at": utcnow(), "updated_at": utcnow()}
            for n in range(start, start + count)])

    def statements_for(path: str) -> tuple[int, int]:
        with statement_counter() as statements:
            response = client.get(path)
        assert response.status_code == 200
        own = [st for st in statements if not st.startswith(("SAVEPOINT", "RELEASE"))]  # the test's transaction
        return len(own), len(_csv(response))

    populate("Massexport", 5)
    alfa = _setup()
    db_session.commit()
    as_role("procurement_officer")
    small, small_rows = statements_for("/providers/export.csv?q=massexport")
    populate("Massexport", 995, start=5)
    db_session.commit()
    large, large_rows = statements_for("/providers/export.csv?q=massexport")
    assert (small_rows, large_rows) == (5, 1000)
    assert small == large, (small, large)  # see _debug
    every = _csv(client.get("/providers/export.csv?q=export"))
    assert any(r["Namn"] == alfa.name for r in every)
