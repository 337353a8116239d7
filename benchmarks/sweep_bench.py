"""Time every sweep over N generated providers in a fresh SQLite database.

    .venv/bin/python benchmarks/sweep_bench.py --providers 5000

Data is bulk-inserted (Core executemany), not built through the ORM, so setup stays quick.
Each sweep runs twice: the first raises the flags, the second refreshes them (the nightly case).
The SQL statement count is printed next to the time: it must not grow with N.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")


def luhn_orgnr(n: int) -> str:
    base = f"559{n:06d}"
    total = 0
    for i, ch in enumerate(base):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return base + str((10 - total % 10) % 10)


def populate(n: int, seed: int = 7) -> None:
    from sqlalchemy import func, insert, select

    from vendor_registry.background_checks.models import BackgroundCheck
    from vendor_registry.contracts.models import Contract
    from vendor_registry.extensions import db
    from vendor_registry.licences.models import Licence
    from vendor_registry.methods.models import Method, ProviderMethod
    from vendor_registry.organisations.models import Organisation
    from vendor_registry.providers.models import Provider, ProviderApproval
    from vendor_registry.reviews.models import Review, ReviewAction

    rnd = random.Random(seed)
    now = datetime.now(UTC)
    today = date.today()
    statuses = ["approved"] * 6 + ["conditionally_approved", "under_review", "suspended", "draft", "inactive"]
    kinds = [["protected_housing"], ["hvb"], ["protected_housing", "hvb"], ["supported_housing"], ["outpatient"],
             ["defector_support", "protected_housing"]]
    # The first organisation (made by the migrations) holds the approvals and the own rows.
    organisation_id = db.session.scalar(select(func.min(Organisation.id)))
    providers, approvals = [], []
    for i in range(n):
        status = rnd.choice(statuses)
        approvals.append({
            "organisation_id": organisation_id, "status": status, "status_changed_at": now,
            "approved_at": now - timedelta(days=rnd.randint(1, 900)) if "approved" in status else None})
        providers.append({
            "org_number": luhn_orgnr(i), "name": f"Benchutförare {i} AB", "kinds": rnd.choice(kinds),
            "ownership": rnd.choice(["private", "non_profit", "public"]), "county": rnd.choice(["01", "12", "14"]),
            "counties_served": ["01"], "target_groups": ["adults"], "housing_forms": ["own_flat"], "languages": [],
            "service_areas": ["protection_housing"], "created_at": now, "updated_at": now, "version": 1})
    db.session.execute(insert(Provider), providers)
    ids = db.session.scalars(select(Provider.id).order_by(Provider.id)).all()
    db.session.execute(insert(ProviderApproval), [dict(approval, provider_id=pid) for pid, approval in zip(ids, approvals)])
    db.session.execute(insert(Method), [{"name": "KSL", "evidence_level": "moderate", "active": True, "created_at": now,
                                             "updated_at": now, "version": 1}])
    method_id = db.session.scalar(select(Method.id))
    licences, checks, contracts, reviews, methods = [], [], [], [], []
    for pid in ids:
        for _ in range(rnd.randint(0, 2)):
            licences.append({
                "provider_id": pid, "kind": rnd.choice(["hvb", "protected_housing", "supported_housing"]),
                "form": rnd.choice(["permit", "permit", "notification"]),
                "status": rnd.choice(["valid"] * 8 + ["revoked", "expired", "applied"]),
                "ends_on": today + timedelta(days=rnd.randint(-30, 700)) if rnd.random() < 0.5 else None,
                "last_verified_at": now - timedelta(days=rnd.randint(0, 60)) if rnd.random() < 0.8 else None,
                "created_at": now, "updated_at": now, "version": 1})
        for check_type in ("ivo_register", "company_registry", "tax_registration", "insurance"):
            for k in range(rnd.randint(0, 3)):
                checks.append({
                    "provider_id": pid, "check_type": check_type, "performed_by_label": "bench",
                    "performed_at": now - timedelta(days=rnd.randint(0, 400)),
                    "automatic": check_type in ("ivo_register", "company_registry"),
                    "result": rnd.choice(["pass"] * 6 + ["concern", "fail", "error", "error"]),
                    "summary": "bench", "details": {"licences": {}}, "created_at": now, "version": 1})
        if rnd.random() < 0.7:
            contracts.append({"provider_id": pid, "organisation_id": organisation_id, "kind": "framework", "reference": f"AVT-{pid}",
                                  "starts_on": today - timedelta(days=400),
                                  "ends_on": today + timedelta(days=rnd.randint(-100, 400)),
                                  "created_at": now, "updated_at": now, "version": 1})
        if rnd.random() < 0.6:
            reviews.append({"provider_id": pid, "organisation_id": organisation_id, "kind": "annual_quality", "outcome": "satisfactory",
                                "performed_on": today - timedelta(days=rnd.randint(0, 700)),
                                "created_at": now, "updated_at": now, "version": 1})
        if rnd.random() < 0.3:
            methods.append({"provider_id": pid, "method_id": method_id, "trained_staff": 2,
                                "certification_ends_on": today + timedelta(days=rnd.randint(-200, 200)),
                                "created_at": now, "updated_at": now, "version": 1})
    for model, rows in ((Licence, licences), (BackgroundCheck, checks), (Contract, contracts), (Review, reviews),
                        (ProviderMethod, methods)):
        if rows:
            db.session.execute(insert(model), rows)
    review_rows = db.session.execute(select(Review.id, Review.provider_id)).all()
    actions = [{"review_id": r.id, "provider_id": r.provider_id, "organisation_id": organisation_id, "description": "Åtgärd",
                    "deadline": today + timedelta(days=rnd.randint(-60, 60)), "created_at": now, "updated_at": now, "version": 1}
               for r in review_rows if rnd.random() < 0.3]
    if actions:
        db.session.execute(insert(ReviewAction), actions)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=5000)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temp dir")
    parser.add_argument("--demo", action="store_true",
                        help="fill with the demo-data generator (as `make run` does) instead of bulk inserts")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import event, func, select

    from vendor_registry import create_app
    from vendor_registry.audit.context import acting_as, job_actor
    from vendor_registry.extensions import db
    from vendor_registry.flags import services
    from vendor_registry.flags.models import Flag
    from vendor_registry.flags.rules import rules_by_job

    tmp = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp / "instance"), "TESTING": True})
    with app.app_context():
        upgrade(revision="heads")
        started = time.perf_counter()
        if args.demo:
            from vendor_registry.demo.generator import generate

            generate(db.session, providers=args.providers)
            db.session.commit()
        else:
            populate(args.providers)
        print(f"{args.providers} providers generated in {time.perf_counter() - started:.1f}s ({url})")
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        for attempt in ("first run (raise)", "second run (refresh)"):
            total_time, total_statements = 0.0, 0
            print(f"\n{attempt}")
            for job, rules in rules_by_job().items():
                statements.clear()
                started = time.perf_counter()
                with acting_as(job_actor(job.value)):
                    counts = services.sweep(db.session, rules, settings=app.config)
                    db.session.commit()
                elapsed = time.perf_counter() - started
                total_time += elapsed
                total_statements += len(statements)
                print(f"  {job.value:<20} {elapsed * 1000:8.0f} ms  {len(statements):3d} statements  "
                      f"raised={counts.raised} refreshed={counts.refreshed} resolved={counts.resolved}")
            print(f"  {'all sweeps':<20} {total_time * 1000:8.0f} ms  {total_statements:3d} statements")
        flags = db.session.scalar(select(func.count()).select_from(Flag))
        print(f"\nflags in table: {flags}")


if __name__ == "__main__":
    main()
