"""Many people of all four roles at once, reading and writing, against gunicorn on loopback.

    .venv/bin/pip install -e ".[bench]"                                   # gunicorn
    .venv/bin/python benchmarks/load_users.py                             # 50 users x 60 s, SQLite
    .venv/bin/python benchmarks/load_users.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/vendor_registry_load
    .venv/bin/python benchmarks/load_users.py --users 8 --duration 10     # a quick look

Issue 17 asks for zero failed requests under load. Each simulated user is a thread with its own
session (cookie jar, CSRF tokens parsed from the pages like a browser), logged in as one of the
demo accounts of its role (so logins to one account overlap too), and loops without think time
over a mix of what that role does: the provider list and search, provider pages, the start page,
the flag queue and a flag, the audit log, the matching page, saving the provider edit form,
acknowledging a flag, and signing out and in again. The server is the app as deployed: gunicorn
(``--workers``, sync) with APP_ENV=production and CSRF on.

The database (``flask demo-data --providers N`` and every sweep, so there are flags) is built
once and cached like side_by_side.py's; each run works on a copy (a file copy for SQLite, a
``CREATE DATABASE … TEMPLATE`` for PostgreSQL), so runs start from the same data.

A request *fails* when it gets a 5xx, a connection error or a timeout (``--timeout``). A 409
(someone saved the record first) or 422 is the app refusing politely and is counted apart.
The exit status is 1 when any request failed, so the script can guard a release.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests
from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parent))
import side_by_side

DOMAIN = "demo.example.org"
ACCOUNTS = {  # role -> (e-mail, password) of the demo users (vendor_registry/demo/reference.py)
    "admin": (f"admin@{DOMAIN}", "demo-admin-2026"),
    "procurement_officer": (f"upphandlare@{DOMAIN}", "demo-upphandlare-2026"),
    "supervisor": (f"enhetschef@{DOMAIN}", "demo-enhetschef-2026"),
    "social_worker": (f"socialsekreterare@{DOMAIN}", "demo-socialsekreterare-2026"),
}
SEARCHES = ("trygg", "stöd", "hvb", "boende", "ab", "väg", "omsorg")
MATCH = "/demand/match?run=1&target_group=adults&target_group_mode=mandatory&service_areas=trauma"
#: role -> (action, weight): what each role does, roughly as often as it does it.
MIX = {
    "social_worker": [("list", 4), ("search", 4), ("provider", 6), ("start", 2), ("match", 1), ("relogin", 1)],
    "procurement_officer": [("list", 3), ("search", 3), ("provider", 4), ("start", 1), ("edit_provider", 3),
                            ("flags", 1), ("relogin", 1)],
    "supervisor": [("flags", 3), ("flag", 2), ("acknowledge", 2), ("provider", 3), ("list", 1), ("start", 1),
                   ("audit", 1), ("relogin", 1)],
    "admin": [("list", 2), ("provider", 2), ("edit_provider", 2), ("audit", 2), ("flags", 1), ("start", 1),
              ("relogin", 1)],
}
PROVIDER_LINK = re.compile(r'href="/providers/(\d+)"')
FLAG_LINK = re.compile(r'href="/flags/(\d+)"')


@dataclass
class Outcome:
    action: str
    status: int  # 0: no answer (connection error or timeout)
    ms: float
    error: str = ""


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def form_fields(html: str, page: str, action_part: str) -> tuple[str, list[tuple[str, str]]] | None:
    """The first POST form whose action contains ``action_part``, with the values a browser
    would send for it unchanged (checked boxes, selected options, text, hidden CSRF token)."""
    soup = BeautifulSoup(html, "html.parser")
    for form in soup.find_all("form"):
        action = form.get("action") or page  # no action: the page's own address
        if (form.get("method") or "get").lower() != "post" or action_part not in action:
            continue
        fields: list[tuple[str, str]] = []
        for element in form.find_all(["input", "select", "textarea"]):
            name = element.get("name")
            if not name or element.has_attr("disabled"):
                continue
            if element.name == "input":
                kind = (element.get("type") or "text").lower()
                if kind in ("checkbox", "radio"):
                    if element.has_attr("checked"):
                        fields.append((name, element.get("value", "on")))
                elif kind not in ("submit", "button", "file", "image", "reset"):
                    fields.append((name, element.get("value", "")))
            elif element.name == "select":
                options = element.find_all("option")
                chosen = [o for o in options if o.has_attr("selected")] or options[:1]
                if element.has_attr("multiple"):
                    chosen = [o for o in options if o.has_attr("selected")]
                fields.extend((name, o.get("value", o.text)) for o in chosen)
            else:
                fields.append((name, element.text))
        return action, fields
    return None


def changed(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    out = [(k, values.get(k, v)) for k, v in fields]
    out += [(k, v) for k, v in values.items() if k not in {name for name, _ in fields}]
    return out


class User(threading.Thread):
    def __init__(self, number: int, role: str, base: str, deadline: float, tally: Tally, timeout: float,
                 min_steps: int = 0):
        super().__init__(name=f"user-{number}-{role}", daemon=True)
        self.number, self.role, self.base, self.deadline = number, role, base, deadline
        self.tally, self.timeout, self.min_steps = tally, timeout, min_steps
        self.rng = random.Random(number)
        self.http = requests.Session()
        self.providers: list[int] = []
        self.flags: list[int] = []

    def call(self, action: str, method: str, path: str, **kw) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.request(method, self.base + path, timeout=self.timeout, allow_redirects=False, **kw)
        except requests.RequestException as exc:
            self.tally.add(Outcome(action, 0, (time.perf_counter() - started) * 1000, type(exc).__name__))
            return None
        self.tally.add(Outcome(action, response.status_code, (time.perf_counter() - started) * 1000))
        return response

    def get(self, action: str, path: str) -> str | None:
        response = self.call(action, "GET", path)
        if response is not None and response.status_code == 302 and "/login" in response.headers.get("Location", ""):
            self.login()  # signed out (a failed login, an ended session): sign in again, as a person would
            return None
        return response.text if response is not None and response.status_code == 200 else None

    def post_form(self, action: str, page: str, action_part: str, **values: str) -> None:
        """Open a page, fill its form like a person, send it, and follow the redirect."""
        html = self.get(action + " (form)", page)
        found = form_fields(html, page, action_part) if html else None
        if found is None:
            return
        target, fields = found
        response = self.call(action, "POST", target, data=changed(fields, **values))
        if response is not None and response.status_code in (302, 303) and "Location" in response.headers:
            self.call(action + " (after)", "GET", response.headers["Location"])

    def login(self) -> None:
        email, password = ACCOUNTS[self.role]
        self.http.cookies.clear()
        self.post_form("login", "/login", "/login", email=email, password=password)

    def learn(self, html: str | None) -> None:
        if html:
            self.providers = [int(i) for i in PROVIDER_LINK.findall(html)] or self.providers
            self.flags = [int(i) for i in FLAG_LINK.findall(html)] or self.flags

    def step(self, action: str) -> None:
        rng = self.rng
        if action == "list":
            self.learn(self.get(action, f"/providers/?page={rng.randint(1, 5)}"))
        elif action == "search":
            self.learn(self.get(action, f"/providers/?q={rng.choice(SEARCHES)}"))
        elif action == "provider" and self.providers:
            self.get(action, f"/providers/{rng.choice(self.providers)}")
        elif action == "start":
            self.get(action, "/start")
        elif action == "match":
            self.get(action, MATCH)
        elif action == "flags":
            self.learn(self.get(action, "/flags/"))
        elif action == "flag" and self.flags:
            self.get(action, f"/flags/{rng.choice(self.flags)}")
        elif action == "acknowledge" and self.flags:
            flag = rng.choice(self.flags)
            self.post_form(action, f"/flags/{flag}", f"/flags/{flag}/acknowledge",
                           comment=f"Kvitterad under lasttest av användare {self.number}.")
        elif action == "edit_provider" and self.providers:
            provider = rng.choice(self.providers)
            self.post_form(action, f"/providers/{provider}/edit", f"/providers/{provider}/edit",
                           notes=f"Lasttest {self.number}: {rng.random():.6f}")
        elif action == "audit":
            self.get(action, "/audit/")
        elif action == "relogin":
            self.post_form("logout", "/start", "/logout")
            self.login()
        else:  # nothing learnt yet to act on: look at the list first
            self.learn(self.get("list", "/providers/"))

    def run(self) -> None:
        actions, weights = zip(*MIX[self.role])
        self.login()
        self.learn(self.get("list", "/providers/"))
        steps = 0
        while steps < self.min_steps or time.monotonic() < self.deadline:
            self.step(self.rng.choices(actions, weights)[0])
            steps += 1


def clone_database(url: str, folder: Path) -> tuple[str, callable]:
    """A throw-away copy of the cached database and how to remove it."""
    from sqlalchemy import create_engine, make_url, text

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        copy = folder / "load.db"
        shutil.copyfile(parsed.database, copy)
        return f"sqlite:///{copy}", lambda: None
    name = f"{parsed.database}_run_{os.getpid()}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return parsed.set(database=name).render_as_string(hide_password=False), drop


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def report(tally: Tally, seconds: float, server_log: Path) -> int:
    outcomes = tally.outcomes
    failed = [o for o in outcomes if o.status == 0 or o.status >= 500]
    refused = [o for o in outcomes if o.status in (409, 422)]
    print(f"\n{len(outcomes)} requests in {seconds:.1f} s = {len(outcomes) / seconds:.1f} req/s; "
          f"failed {len(failed)} ({100 * len(failed) / max(len(outcomes), 1):.2f} %); "
          f"refused politely (409/422) {len(refused)}; "
          f"p50 {percentile([o.ms for o in outcomes], 0.5):.0f} ms, p99 {percentile([o.ms for o in outcomes], 0.99):.0f} ms")
    by_action: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_action[outcome.action].append(outcome)
    print(f"{'action':<28}{'requests':>9}{'failed':>8}{'409/422':>8}{'p50 ms':>8}{'p99 ms':>8}  statuses")
    for action, items in sorted(by_action.items()):
        statuses = Counter(o.status if o.status else (o.error or "no answer") for o in items)
        print(f"{action:<28}{len(items):>9}{sum(1 for o in items if o in failed):>8}"
              f"{sum(1 for o in items if o.status in (409, 422)):>8}"
              f"{statistics.median(o.ms for o in items):>8.0f}{percentile([o.ms for o in items], 0.99):>8.0f}  "
              + ", ".join(f"{k}: {v}" for k, v in statuses.most_common()))
    errors = Counter(re.sub(r"\s+", " ", line.strip())[:160] for line in server_log.read_text(errors="replace").splitlines()
                     if re.search(r"(Error|Exception|error|WORKER TIMEOUT)\b", line)
                     and not line.startswith((" ", "[SQL", "(Background", "Traceback")))
    if errors:
        print("\nserver log, exceptions (count, first 160 characters):")
        for line, count in errors.most_common(12):
            print(f"{count:>6}  {line}")
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (above 1: gthread workers)")
    parser.add_argument("--providers", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a request may take before it counts as failed")
    parser.add_argument("--database-url", help="a PostgreSQL database to build and cache the data in (default: SQLite)")
    parser.add_argument("--cache-dir", default=side_by_side.default_cache_dir())
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--server-log", help="keep gunicorn's log (errors, tracebacks) in this file")
    parser.add_argument("--app-root", default=str(side_by_side.ROOT),
                        help="the checkout gunicorn serves (e.g. an older commit, for a before/after)")
    args = parser.parse_args()

    cached_url, env, _timings = side_by_side.prepare(args)
    with tempfile.TemporaryDirectory(prefix="load-users-") as tmp:
        folder = Path(tmp)
        url, drop = clone_database(cached_url, folder)
        server_log = Path(args.server_log) if args.server_log else folder / "gunicorn.log"
        env = {**env, "APP_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": url,
               "INSTANCE_PATH": str(folder / "instance"), "SESSION_COOKIE_SECURE": "false",
               # plain HTTP on loopback (no TLS to terminate here), and the shared store production
               # requires for its rate limits (the sign-in throttle's address counts live there too)
               "FORCE_HTTPS": "false",
               "RATELIMIT_STORAGE_URI": os.environ.get("LOAD_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/14"),
               "PYTHONPATH": args.app_root}
        try:
            with server_log.open("w") as log:
                proc, base = side_by_side.serve("wsgi:app", env, ["--error-logfile", "-", "--threads", str(args.threads)],
                                                workers=args.workers,
                                                cwd=args.app_root, stderr=log)
            try:
                print(f"{args.users} users for {args.duration:g} s against {base} "
                      f"(gunicorn, {args.workers} workers × {args.threads} threads, {side_by_side.database_state(url)[1]} providers, "
                      f"{url.split(':')[0]}, app from {args.app_root})")
                tally = Tally()
                roles = list(MIX)
                started = time.monotonic()
                deadline = started + args.duration
                users = [User(i, roles[i % len(roles)], base, deadline, tally, args.timeout) for i in range(args.users)]
                for user in users:
                    user.start()
                for user in users:
                    user.join(args.duration + args.timeout + 30)
                seconds = time.monotonic() - started
            finally:
                side_by_side.stop(proc)
            status = report(tally, seconds, server_log)
        finally:
            drop()
    sys.exit(status)


if __name__ == "__main__":
    main()
