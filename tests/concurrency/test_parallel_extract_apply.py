"""Issue 17, item 6: parallel applies of one IVO extract apply it once; the rest are told so.

Found under load: of three people applying the same dry run at once, one applied it and two
got a 500 (the licences' version check, or the pending file gone under them). Each of the
others must get a clear Swedish "already applied" answer (409), and nothing may be lost or
doubled: one evidence document, one check per provider, each licence verified once.
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from tests.background_checks.conftest import DATA
from tests.concurrency.conftest import in_parallel
from tests.factories import make_licence, make_provider
from vendor_registry.audit.models import AuditEvent
from vendor_registry.background_checks.models import BackgroundCheck, EvidenceDocument
from vendor_registry.codes import LicenceStatus
from vendor_registry.database import utcnow
from vendor_registry.extensions import db
from vendor_registry.licences.models import Licence

EXTRACT = (DATA / "extract" / "extract_semicolon_bom.csv").read_bytes()
APPLIERS = 6
ALREADY = "Registerutdraget är redan infört"


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'value="([^"]*)"[^>]*name="{name}"', html)
    assert match, name
    return match.group(1)


def _seed(app) -> tuple[int, int]:
    with app.app_context():
        old = utcnow() - timedelta(days=90)
        sol = make_provider(org_number="5593000127", name="Solgläntan Omsorg AB", kinds=["hvb"])
        valid = make_licence(sol, kind="hvb", ivo_reference="3.5.1-10234/2019", status="valid", last_verified_at=old)
        hav = make_provider(org_number="5593000242", name="Havsbris Behandling AB", kinds=["hvb"])
        revoked = make_licence(hav, kind="hvb", ivo_reference="3.5.1-08812/2020", status="valid",
                               last_verified_at=old)
        db.session.commit()
        ids = valid.id, revoked.id
        db.session.remove()
    return ids


def test_parallel_applies_of_one_extract_apply_it_once(served):
    valid_id, revoked_id = _seed(served.app)
    officers = [served.session_for(served.add_user("procurement_officer")) for _ in range(APPLIERS)]
    preview = officers[0].post(served("/checks/ivo-extract"), files={"file": ("utdrag.csv", EXTRACT)}, timeout=60)
    assert preview.status_code == 200, preview.text[:500]
    form = {name: _hidden(preview.text, name) for name in ("key", "sha256", "filename")}

    def _apply(i: int):
        response = officers[i].post(served("/checks/ivo-extract/apply"), data=form, allow_redirects=False,
                                    timeout=120)
        return response.status_code, response.text

    answers = in_parallel(APPLIERS, _apply)
    statuses = sorted(status for status, _text in answers)
    assert statuses == [302] + [409] * (APPLIERS - 1), statuses
    for status, text in answers:
        if status == 409:
            assert ALREADY in text, text[:2000]

    with served.app.app_context():
        documents = db.session.scalars(select(EvidenceDocument)).all()
        assert len(documents) == 1  # the extract, stored once
        checks = db.session.scalars(select(BackgroundCheck)).all()
        assert sorted(c.provider_id for c in checks) == sorted(
            db.session.get(Licence, i).provider_id for i in (valid_id, revoked_id))
        assert all(c.evidence_document_id == documents[0].id for c in checks)
        assert db.session.get(Licence, revoked_id).status is LicenceStatus.REVOKED
        assert db.session.get(Licence, valid_id).last_verified_at > utcnow() - timedelta(minutes=5)
        # each licence was changed by one apply only: one audited update each
        updates = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_type == "licences", AuditEvent.action == "update"))
        assert updates == 2
        db.session.remove()

    # afterwards too: the same dry run applied again says so, and still writes nothing
    late = officers[1].post(served("/checks/ivo-extract/apply"), data=form, allow_redirects=False, timeout=60)
    assert late.status_code == 409 and ALREADY in late.text
