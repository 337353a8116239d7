"""The IVO extract parser on CSV (both delimiters, BOM, cp1252) and generated XLSX files."""

from __future__ import annotations

from datetime import date, datetime

from openpyxl import Workbook

from checks.extract import parse_extract

HEADER = ["Organisationsnummer", "Namn", "Verksamhetsform / Tillstånd avser", "Beslutsdatum",
          "Status", "Diarienummer"]


def _summary(result):
    return [(r.line_no, r.org_number, r.kind, r.status, r.decided_on, r.reference, r.errors)
            for r in result.rows]


def test_semicolon_csv_with_bom_and_title_lines(extract_file):
    result = parse_extract(extract_file("extract_semicolon_bom.csv"), "utdrag.csv")
    assert result.ok and result.file_format == "csv"
    assert _summary(result) == [
        (5, "5593000127", "hvb", "valid", date(2019, 6, 12), "3.5.1-10234/2019", []),
        (6, "5593000242", "hvb", "revoked", date(2024, 2, 1), "3.5.1-08812/2020", []),
        (7, "5593000366", "supported_housing", "expired", date(2023, 11, 30), "3.5.1-31170/2021", []),
    ]
    assert result.rows[0].name == "Solgläntan Omsorg AB"  # the BOM did not eat the first header


def test_comma_csv_with_quoted_commas(extract_file):
    result = parse_extract(extract_file("extract_comma.csv"))
    assert result.ok
    assert [(r.kind, r.status, r.reference) for r in result.rows] == [
        ("hvb", "valid", "3.5.1-12001/2020"),
        ("supported_housing", "valid", "3.5.1-20456/2021"),
    ]
    assert result.rows[0].kind_text == "Hem för vård eller boende, vuxna"


def test_cp1252_csv_with_reordered_columns(extract_file):
    result = parse_extract(extract_file("extract_cp1252.csv"))
    assert result.ok
    assert [(r.org_number, r.name, r.kind, r.status) for r in result.rows] == [
        ("5593000622", "Björkhagens HVB AB", "hvb", "valid"),
        ("5593000747", "Ekbacken Vård AB", "protected_housing", "revoked"),
    ]
    assert result.rows[1].status_text == "Återkallad"


def test_missing_headers_are_a_clear_file_problem(extract_file):
    result = parse_extract(extract_file("extract_missing_headers.csv"))
    assert result.rows == []
    assert len(result.problems) == 1
    assert "Kolumner saknas" in result.problems[0]
    assert "Beslutsdatum" in result.problems[0] and "Status" in result.problems[0]


def test_bad_rows_get_swedish_errors_and_good_rows_survive(extract_file):
    result = parse_extract(extract_file("extract_bad_rows.csv"))
    assert result.ok
    by_line = {r.line_no: r for r in result.rows}
    assert set(by_line) == {2, 3, 4, 6, 7}  # the empty line 5 is skipped
    assert by_line[2].org_number is None
    assert by_line[2].errors == ["Ogiltigt organisationsnummer: '559300-0128'."]
    assert by_line[3].decided_on is None
    assert by_line[3].errors == ["Okänt datumformat: 'den 3 mars 2020'."]
    assert by_line[4].errors == ["Okänd verksamhetsform: 'Fritidsgård'.", "Okänd status: 'Vilande'."]
    assert by_line[6].errors == ["Organisationsnummer saknas."]
    assert by_line[6].status == "expired"
    assert by_line[7].ok and by_line[7].kind == "supported_housing"


def test_excel_sep_hint_line_is_honoured():
    data = ("sep=,\n" + ",".join(HEADER) + "\n"
            "559300-0127,Solgläntan Omsorg AB,HVB,2019-06-12,Gällande,3.5.1-1/2019\n").encode()
    result = parse_extract(data)
    assert result.ok and result.rows[0].line_no == 3 and result.rows[0].status == "valid"


def _xlsx(tmp_path, rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / "utdrag.xlsx"
    workbook.save(path)
    return path.read_bytes()


def test_xlsx_with_real_dates_and_numeric_org_number(tmp_path):
    data = _xlsx(tmp_path, [
        ["Utdrag ur IVO:s register"],
        [],
        HEADER,
        ["559300-0127", "Solgläntan Omsorg AB", "Hem för vård eller boende", datetime(2019, 6, 12),
         "Gällande", "3.5.1-10234/2019"],
        [5593000242, "Havsbris Behandling AB", "HVB för vuxna", "2024-02-01", "Återkallat", None],
        [None, None, None, None, None, None],
        ["5593000366", "Lindängens Stödboende AB", "Stödboende", 45000, "Upphört", "x"],
    ])
    result = parse_extract(data, "utdrag.xlsx")
    assert result.ok and result.file_format == "xlsx"
    assert _summary(result) == [
        (4, "5593000127", "hvb", "valid", date(2019, 6, 12), "3.5.1-10234/2019", []),
        (5, "5593000242", "hvb", "revoked", date(2024, 2, 1), None, []),
        (7, "5593000366", "supported_housing", "expired", None, "x", ["Okänt datumformat: '45000'."]),
    ]


def test_xlsx_detected_without_filename_and_missing_headers(tmp_path):
    data = _xlsx(tmp_path, [["Org.nr", "Namn", "Status"], ["5593000127", "X", "Gällande"]])
    result = parse_extract(data)
    assert result.file_format == "xlsx"
    assert result.rows == [] and "Verksamhetsform" in result.problems[0]


def test_corrupt_xlsx_is_a_problem_not_an_exception():
    result = parse_extract(b"PK\x03\x04 not really a zip", "utdrag.xlsx")
    assert result.rows == [] and "Excel-fil" in result.problems[0]


def test_empty_and_headerless_files():
    assert parse_extract(b"").problems == ["Filen är tom."]
    result = parse_extract(b"bara,lite,text\n1,2,3\n")
    assert result.rows == [] and "rubrikrad" in result.problems[0]
    only_header = parse_extract((";".join(HEADER) + "\n").encode())
    assert only_header.rows == [] and "inga datarader" in only_header.problems[0]
