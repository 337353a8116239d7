"""The app runs from a non-editable install, templates and migrations included."""
import configparser
import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _listed_packages() -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return {line.strip() for line in parser["options"]["packages"].splitlines() if line.strip()}


def test_setup_cfg_lists_every_package():
    on_disk = set()
    for top in ("vendor_registry", "checks", "config"):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT)
            if "__pycache__" not in rel.parts:
                on_disk.add(".".join(rel.parts))
    assert on_disk - _listed_packages() == set()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_non_editable_install_serves_pages(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Dependencies come from the test environment (no network needed); the project itself is
    # built into a wheel and installed into the new venv, so no source checkout is importable.
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    deps_site = sysconfig.get_paths()["purelib"]
    Path(site, "deps.pth").write_text(deps_site + "\n")
    wheel_dir = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheel_dir), str(ROOT)], check=True, timeout=300)
    wheel = next(wheel_dir.glob("vendor_registry-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site, str(wheel)],
                   check=True, timeout=300)

    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "FLASK"))}
    env.update(APP_ENV="development", INSTANCE_PATH=str(tmp_path / "instance"),
               DATABASE_URL=f"sqlite:///{tmp_path}/installed.db")
    flask = [str(python), "-m", "flask", "--app", "vendor_registry"]
    where = subprocess.run([str(python), "-c", "import vendor_registry; print(vendor_registry.__file__)"],
                           cwd=workdir, env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(site), where
    upgrade = subprocess.run(flask + ["db", "upgrade", "heads"], cwd=workdir, env=env, capture_output=True, text=True,
                             check=False)
    assert upgrade.returncode == 0, upgrade.stderr

    port = _free_port()
    server = subprocess.Popen(flask + ["run", "--port", str(port)], cwd=workdir, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert body is not None, "the installed app did not answer"
        assert "Logga in" in body and "bootstrap" in body
        assert "cdn" not in body.lower(), "assets must be served locally"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/app.css", timeout=2) as response:
            assert b"focus-visible" in response.read()
    finally:
        server.terminate()
        server.wait(timeout=10)
