"""Admin pages: only admins; catalogue, service areas, check policy and users with version checks."""
import pytest

from tests.factories import DEFAULT_PASSWORD, make_method, make_user
from vendor_registry.auth.models import User
from vendor_registry.background_checks.models import CheckPolicy
from vendor_registry.codes import CheckType, ProviderKind, Role
from vendor_registry.methods.models import Method, ServiceArea

PAGES = ["/admin/", "/admin/methods", "/admin/methods/new", "/admin/service-areas", "/admin/service-areas/new",
         "/admin/check-policy", "/admin/users", "/admin/users/new"]


@pytest.mark.parametrize("role", ["procurement_officer", "supervisor", "social_worker"])
def test_other_roles_are_forbidden(client, as_role, role):
    as_role(role)
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    assert client.post("/admin/check-policy", data={}).status_code == 403


def test_admin_sees_every_page(client, as_role):
    as_role("admin")
    for url in PAGES:
        assert client.get(url).status_code == 200, url


def test_method_create_edit_and_stale(client, as_role, db_session):
    as_role("admin")
    data = {"name": "Kriminalitet som livsstil", "short_name": "KSL", "description": "Strukturerat program",
            "evidence_level": "moderate", "evidence_source": "", "active": "y"}
    bad = client.post("/admin/methods/new", data=data)
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Ange källan till bedömningen" in html and "Strukturerat program" in html
    assert client.post("/admin/methods/new", data=dict(data, evidence_source="Metodguiden")).status_code == 302
    method = db_session.query(Method).filter_by(name="Kriminalitet som livsstil").one()
    assert method.evidence_source == "Metodguiden"
    duplicate = client.post("/admin/methods/new", data=dict(data, evidence_source="x", name="kriminalitet som LIVSSTIL"))
    assert duplicate.status_code == 422
    seen = method.version
    ok = client.post(f"/admin/methods/{method.id}/edit", data=dict(data, evidence_source="Ny källa", version=seen))
    assert ok.status_code == 302
    stale = client.post(f"/admin/methods/{method.id}/edit", data=dict(data, evidence_source="Min källa", version=seen))
    assert stale.status_code == 409
    assert "Min källa" in stale.get_data(as_text=True)
    db_session.refresh(method)
    assert method.evidence_source == "Ny källa"


def test_method_can_be_retired(client, as_role, db_session):
    method = make_method(name="ART-test", evidence_source="källa")
    db_session.commit()
    as_role("admin")
    response = client.post(f"/admin/methods/{method.id}/edit", data={
        "name": "ART-test", "evidence_level": "moderate", "evidence_source": "källa", "version": method.version})
    assert response.status_code == 302
    db_session.refresh(method)
    assert method.active is False


def test_service_area_create_edit_stale(client, as_role, db_session):
    as_role("admin")
    assert client.post("/admin/service-areas/new", data={"code": "Bad Code", "name_sv": "X", "name_en": "X"}
                       ).status_code == 422
    assert client.post("/admin/service-areas/new", data={"code": "trauma", "name_sv": "X", "name_en": "X"}
                       ).status_code == 422
    assert client.post("/admin/service-areas/new", data={"code": "digital_safety", "name_sv": "Digital säkerhet",
                                                         "name_en": "Digital safety", "active": "y"}).status_code == 302
    area = db_session.query(ServiceArea).filter_by(code="digital_safety").one()
    seen = area.version
    edit = {"code": "changed", "name_sv": "Digital trygghet", "name_en": "Digital safety", "active": "y", "version": seen}
    assert client.post(f"/admin/service-areas/{area.id}/edit", data=edit).status_code == 302
    db_session.refresh(area)
    assert area.name_sv == "Digital trygghet" and area.code == "digital_safety"
    stale = client.post(f"/admin/service-areas/{area.id}/edit", data=dict(edit, name_sv="Min"))
    assert stale.status_code == 409


def test_check_policy_matrix_edit_validation_and_stale(client, as_role, db_session):
    as_role("admin")
    row = db_session.query(CheckPolicy).filter_by(provider_kind=ProviderKind.HVB,
                                                  check_type=CheckType.INSURANCE).one()
    html = client.get("/admin/check-policy").get_data(as_text=True)
    assert 'id="interval-hvb-insurance"' in html
    form = {}
    for p in db_session.query(CheckPolicy):
        key = f"{p.provider_kind.value}-{p.check_type.value}"
        form[f"version-{key}"] = str(p.version)
        form[f"interval-{key}"] = str(p.interval_days)
        if p.required:
            form[f"required-{key}"] = "y"
    bad = dict(form, **{"interval-hvb-insurance": "0"})
    response = client.post("/admin/check-policy", data=bad)
    assert response.status_code == 422
    assert 'href="#interval-hvb-insurance"' in response.get_data(as_text=True)
    changed = dict(form, **{"interval-hvb-insurance": "200", "required-other-insurance": "y",
                            "interval-other-insurance": "100"})
    changed.pop("required-hvb-insurance")
    assert client.post("/admin/check-policy", data=changed).status_code == 302
    db_session.refresh(row)
    assert row.interval_days == 200 and row.required is False
    stale = client.post("/admin/check-policy", data=changed)
    assert stale.status_code == 409
    assert "Någon annan har sparat ändringar" in stale.get_data(as_text=True)


def test_user_create_role_change_deactivate(client, as_role, db_session, app):
    admin = as_role("admin")
    bad = client.post("/admin/users/new", data={"email": "ny@example.org", "name": "Ny", "role": "supervisor",
                                                "password": "kort"})
    assert bad.status_code == 422 and "ny@example.org" in bad.get_data(as_text=True)
    ok = client.post("/admin/users/new", data={"email": "ny@example.org", "name": "Ny Person",
                                               "role": "social_worker", "password": DEFAULT_PASSWORD})
    assert ok.status_code == 302
    user = db_session.query(User).filter_by(email="ny@example.org").one()
    # The new user logs in in a second client; a role change must end that session.
    other = app.test_client()
    assert other.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 302
    assert other.get("/providers/").status_code == 200
    db_session.refresh(user)
    seen = user.version
    assert client.post(f"/admin/users/{user.id}", data={"role": "supervisor", "version": seen}).status_code == 302
    db_session.refresh(user)
    assert user.role == Role.SUPERVISOR
    assert other.get("/providers/").status_code == 302  # sent back to the login page
    assert client.post(f"/admin/users/{user.id}", data={"role": "admin", "version": seen}).status_code == 409
    assert client.post(f"/admin/users/{user.id}/deactivate", data={"version": user.version}).status_code == 302
    db_session.refresh(user)
    assert user.active is False
    assert other.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 422
    assert client.post(f"/admin/users/{user.id}/reactivate", data={"version": user.version}).status_code == 302
    db_session.refresh(user)
    assert user.active is True
    # An admin cannot lock themself out.
    response = client.post(f"/admin/users/{admin.id}/deactivate", data={"version": admin.version})
    assert response.status_code == 422
    assert "Du kan inte inaktivera ditt eget konto." in response.get_data(as_text=True)


def test_duplicate_email_is_refused(client, as_role, db_session):
    existing = make_user(email="finns@example.org")
    db_session.commit()
    as_role("admin")
    response = client.post("/admin/users/new", data={"email": existing.email, "name": "X", "role": "admin",
                                                     "password": DEFAULT_PASSWORD})
    assert response.status_code == 422
    assert "finns redan" in response.get_data(as_text=True)
