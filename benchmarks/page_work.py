"""The work behind each page, in measures a busy shared machine does not distort: statements,
Python function calls per request (cProfile's count), the page's SQL replayed on a bare cursor,
and the median server time (this one does move with the machine's load).

    .venv/bin/python benchmarks/page_work.py ~/.cache/vendor-registry-bench/sqlite-20000/<head>.db
    PYTHONPATH=/tmp/base .venv/bin/python benchmarks/page_work.py old.db   # another checkout's code

The database is used as it is (no upgrade): give a copy whose schema matches the code. Logged
in as the demo supervisor; each page is requested once to warm up, then ``--repeat`` times.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from page_bench import make_app, replay

PAGES = [
    "/providers/",
    "/providers/?q=trygg&kind=protected_housing&county=12",
    "/providers/?sort=updated",
    "/flags/",
    "/flags/?page=100",
    "/providers/{provider_id}",
    "/nonexistent",  # the app's floor: session, user, navigation badge, error page
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("pages", nargs="*", default=PAGES)
    args = parser.parse_args()

    from sqlalchemy import event, select

    from vendor_registry.demo.generator import DEMO_PASSWORDS
    from vendor_registry.extensions import db
    from vendor_registry.providers.models import Provider

    app = make_app(argparse.Namespace(database=args.database, providers=0), Path(tempfile.mkdtemp()))
    captured: list[tuple[str, object]] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: captured.append((a[2], a[3])))
        provider_id = db.session.scalar(select(Provider.id).order_by(Provider.id).offset(10000).limit(1))
        engine = db.engine
    client = app.test_client()
    email = "enhetschef@demo.example.org"
    client.post("/login", data={"email": email, "password": DEMO_PASSWORDS[email]})
    print(f"{'status':>6} {'stmts':>5} {'calls':>7} {'SQL ms':>7} {'server ms':>9}  page")
    for page in args.pages:
        path = page.format(provider_id=provider_id)
        client.get(path)
        captured.clear()
        response = client.get(path)
        statements = list(captured)
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(path)
        profiler.disable()
        calls = pstats.Stats(profiler).total_calls
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        with app.app_context():
            sql = statistics.median(replay(engine, statements) for _ in range(5)) * 1000
        print(f"{response.status_code:>6} {len(statements):>5} {calls:>7} {sql:7.1f} {statistics.median(times):9.1f}  {page}",
              flush=True)


if __name__ == "__main__":
    main()
