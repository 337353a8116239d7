"""page_bench on a copy of the cached 20,000-provider SQLite database (no 2-minute rebuild).

    python benchmarks/cached_page_bench.py [--db ~/.cache/vendor-registry-bench/sqlite-20000/0005_sqlitejobs.db]
    python benchmarks/cached_page_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/<demo db>

Copies the database to a temporary file, upgrades it to the current heads (so a new index is
in place), logs in as the demo supervisor and requests each page of page_bench 5 times after
one warm-up; prints statements and the median time. ``--database-url`` runs on a PostgreSQL
database built the same way (``flask demo-data`` and the sweeps), in place: the pages only read.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from page_bench import PAGES

DEFAULT_DB = Path.home() / ".cache/vendor-registry-bench/sqlite-20000/0005_sqlitejobs.db"
EXTRA = ["/providers/?q=vård&county=12&kind=hvb", "/flags/?page=3"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--database-url", help="a PostgreSQL demo database, used in place instead of --db")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="", help="only the pages whose path contains this")
    parser.add_argument("--sql", action="store_true", help="print each statement's time")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import event

    from vendor_registry import create_app
    from vendor_registry.demo.generator import DEMO_PASSWORDS
    from vendor_registry.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="cached-bench-"))
    url = args.database_url
    if not url:
        shutil.copy(args.db, tmp / "bench.db")
        url = f"sqlite:///{tmp / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp / "i"),
                      "APP_ENV": "testing", "TESTING": True, "WTF_CSRF_ENABLED": False})
    statements: list[str] = []
    timer: list[float] = []
    with app.app_context():
        upgrade(revision="heads")
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]) or timer.append(time.perf_counter()))
        if args.sql:
            event.listen(db.engine, "after_cursor_execute", lambda *a: print(
                f"    {(time.perf_counter() - timer[-1]) * 1000:6.1f} ms  {' '.join(a[2].split())[:160]}"))

    client = app.test_client()
    email = "enhetschef@demo.example.org"
    client.post("/login", data={"email": email, "password": DEMO_PASSWORDS[email]})
    for path in [p for p in PAGES + EXTRA if args.only in p]:
        client.get(path)
        times = []
        for _ in range(args.repeat):
            statements.clear()
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        print(f"{response.status_code}  {len(statements):3d} statements  {statistics.median(times):7.0f} ms"
              f"  {len(response.data) / 1024:8.0f} KiB  {path}", flush=True)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
