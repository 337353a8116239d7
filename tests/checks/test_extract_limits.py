"""The extract parser refuses hostile files as a whole, before or while reading them: a zip
bomb (declared and real), too many zip entries, too many rows (CSV and XLSX, with and without
the sheet's dimension), billion laughs and an external entity; and it will not read XLSX at
all without defusedxml.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from checks.extract import parse_extract
from checks.extract_limits import ExtractLimits, ExtractRefused, inspect_extract
from tests.checks import hostile

ROOT = Path(__file__).resolve().parents[2]


DEFAULTS = ExtractLimits()


def _refused(data: bytes, limits: ExtractLimits = DEFAULTS) -> ExtractRefused:
    with pytest.raises(ExtractRefused) as caught:
        parse_extract(data, None, limits)
    return caught.value


def test_a_well_formed_workbook_and_csv_are_read():
    assert [r.org_number for r in parse_extract(hostile.xlsx(2)).rows] == ["5593000127"] * 2
    assert len(parse_extract(hostile.csv_rows(3)).rows) == 3


def test_declared_size_bomb_is_refused_without_being_inflated():
    bomb = hostile.declared_size_bomb(hostile.xlsx(3))
    assert len(bomb) < 10_000  # small on disk, announces about 4 GB
    started = time.perf_counter()
    refused = _refused(bomb)
    assert refused.reason == "uncompressed" and refused.found > 4_000_000_000
    assert refused.limit == DEFAULTS.max_uncompressed_bytes
    assert time.perf_counter() - started < 1.0  # only the central directory was read


def test_real_bomb_over_the_configured_size_is_refused():
    bomb = hostile.real_bomb(3_000_000)
    assert len(bomb) < 100_000
    refused = _refused(bomb, ExtractLimits(max_uncompressed_bytes=2_000_000))
    assert refused.reason == "uncompressed" and refused.found > 3_000_000
    # the same file under limits it fits is an ordinary workbook: the bound was the reason
    assert parse_extract(bomb, None, ExtractLimits(max_uncompressed_bytes=4_000_000, max_rows=100_000)).rows
    # and with room for its size, the row cap alone stops it while streaming
    assert _refused(bomb, ExtractLimits(max_uncompressed_bytes=4_000_000)).reason == "rows"


def test_too_many_zip_entries():
    refused = _refused(hostile.many_entries(250))
    assert refused.reason == "entries" and refused.limit == 200 and refused.found > 250


def test_file_size_limit():
    data = hostile.csv_rows(100)
    refused = _refused(data, ExtractLimits(max_bytes=len(data) - 1))
    assert refused.reason == "bytes" and refused.found == len(data)


def test_csv_with_more_rows_than_the_default_limit():
    refused = _refused(hostile.csv_rows(50_020))
    assert refused.reason == "rows" and refused.limit == 50_000
    assert len(parse_extract(hostile.csv_rows(50_000)).rows) == 50_000  # the limit itself is fine


def test_csv_rows_are_counted_exactly_and_with_cr_line_ends():
    assert _refused(hostile.csv_rows(41), ExtractLimits(max_rows=40)).reason == "rows"
    assert len(parse_extract(hostile.csv_rows(40), None, ExtractLimits(max_rows=40)).rows) == 40
    old_mac = hostile.csv_rows(100).replace(b"\n", b"\r")  # no \n to count before parsing
    assert _refused(old_mac, ExtractLimits(max_rows=40)).reason == "rows"


@pytest.mark.parametrize("dimension", [True, False], ids=["declared-dimension", "no-dimension"])
def test_xlsx_with_too_many_rows(dimension):
    refused = _refused(hostile.xlsx(120, dimension=dimension), ExtractLimits(max_rows=40))
    assert refused.reason == "rows" and refused.limit == 40
    assert len(parse_extract(hostile.xlsx(40, dimension=dimension), None, ExtractLimits(max_rows=40)).rows) == 40


@pytest.mark.parametrize(("doctype", "entity", "entry"), [
    (hostile.BILLION_LAUGHS, "lol9", hostile.SHEET),
    (hostile.EXTERNAL_ENTITY, "xxe", hostile.SHEET),
    (hostile.EXTERNAL_ENTITY, "xxe", "xl/workbook.xml"),
], ids=["billion-laughs-sheet", "external-entity-sheet", "external-entity-workbook"])
def test_xml_entities_are_refused(doctype, entity, entry):
    data = hostile.with_doctype(hostile.xlsx(), doctype, entity, entry)
    inspect_extract(data)  # within every size bound: the XML itself is the reason
    started = time.perf_counter()
    assert _refused(data).reason == "xml"
    assert time.perf_counter() - started < 2.0  # nothing was expanded


def test_openpyxl_reads_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_without_defusedxml_no_xlsx_is_read():
    """openpyxl chooses its parser at import; OPENPYXL_DEFUSEDXML=False makes it use the
    stdlib's, and then the parser refuses every XLSX file rather than trust it."""
    script = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
              "from checks.extract import parse_extract\n"
              "from checks.extract_limits import ExtractRefused\n"
              "from tests.checks.hostile import xlsx, csv_rows\n"
              "assert parse_extract(csv_rows(1)).rows\n"
              "try:\n    parse_extract(xlsx(1))\nexcept ExtractRefused as e:\n    print(e.reason)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            env={"OPENPYXL_DEFUSEDXML": "False", "PATH": "/usr/bin:/bin"}, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "unprotected"
