"""Statements and time per page on the demo data of N providers (a fresh SQLite file).

    python benchmarks/page_bench.py --providers 40
    python benchmarks/page_bench.py --providers 5000

Fills the database with the demo-data generator (as `make run` does), runs the nightly sweeps
so that flags exist, logs in as the demo supervisor and requests each page twice (the first
warms caches); prints the status, the number of SQL statements and the time of the second.
A page should make the same number of statements whatever N is.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

PAGES = [
    "/providers/",
    "/providers/?kind=protected_housing&has_critical_flag=no&sort=name",
    "/providers/1",
    "/flags/",
    "/flags/overview",
    "/demand/match?run=1&target_group=adults&target_group_mode=mandatory&threat_level=high"
    "&threat_level_mode=mandatory&service_areas=trauma&service_areas_mode=weighted",
    "/providers/export.csv",
    "/audit/",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=40)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import event

    from vendor_registry import create_app
    from vendor_registry.audit.context import acting_as, job_actor
    from vendor_registry.demo.generator import DEMO_PASSWORDS, generate
    from vendor_registry.extensions import db
    from vendor_registry.flags import services
    from vendor_registry.flags.rules import rules_by_job

    tmp = Path(tempfile.mkdtemp(prefix="page-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}", "INSTANCE_PATH": str(tmp / "i"),
                      "APP_ENV": "testing", "TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade(revision="heads")
        started = time.perf_counter()
        generate(db.session, providers=args.providers)
        db.session.commit()
        print(f"{args.providers} demo providers generated in {time.perf_counter() - started:.1f}s")
        for job, rules in rules_by_job().items():
            with acting_as(job_actor(job.value)) as actor:
                services.sweep(db.session, rules, settings=app.config, actor=actor)
                db.session.commit()
        statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    client = app.test_client()
    email = "enhetschef@demo.example.org"
    client.post("/login", data={"email": email, "password": DEMO_PASSWORDS[email]})
    for path in PAGES:
        client.get(path)
        statements.clear()
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        print(f"{response.status_code}  {len(statements):3d} statements  {elapsed:7.0f} ms  {path}")


if __name__ == "__main__":
    main()
