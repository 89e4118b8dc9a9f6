"""`make test` on a fresh machine installs the system packages its tests need first
(scripts/system-packages.sh, the one list; .ci/run only calls `make test`). With everything
present the script is a no-op; as root it installs what is missing with apt-get; otherwise it
prints the one apt-get command and stops. The tools it calls (dpkg-query, apt-get, id) are
replaced by recording stand-ins, so no package is installed by the test."""

import os
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "system-packages.sh"

pytestmark = pytest.mark.skipif(not Path("/usr/bin/dpkg-query").exists(), reason="needs Debian's dpkg")


def stand_ins(tmp_path: Path, *, missing: str = "", uid: int = 0) -> dict:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dpkg-query").write_text(
        "#!/bin/sh\n"
        "shift 2  # -W -f=...\n"
        'for p in "$@"; do [ "$p" = "$FAKE_MISSING" ] || echo "$p:install ok installed"; done\n'
    )
    (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/apt-get.log\n')
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_MISSING": missing}


def run(env) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_the_script_is_a_no_op_when_everything_is_installed_here():
    started = time.monotonic()
    result = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "all present" in result.stdout
    assert time.monotonic() - started < 15


def test_as_root_the_missing_package_is_installed_with_apt_get(tmp_path):
    result = run(stand_ins(tmp_path, missing="libreoffice-writer-nogui"))
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "apt-get.log").read_text().splitlines()
    assert calls == ["update -q", "install -y -q --no-install-recommends libreoffice-writer-nogui"]


def test_as_another_user_it_prints_the_one_command_and_stops(tmp_path):
    result = run(stand_ins(tmp_path, missing="libreoffice-writer-nogui", uid=1000))
    assert result.returncode == 1
    assert "sudo apt-get install -y --no-install-recommends libreoffice-writer-nogui" in result.stderr
    assert not (tmp_path / "apt-get.log").exists()


def test_the_list_holds_what_the_tests_need_and_is_the_only_one():
    script = SCRIPT.read_text()
    for package in (
        "gettext",
        "postgresql",
        "redis-server",
        "chromium",
        "poppler-utils",
        "qpdf",
        "libreoffice-writer-nogui",
        "fonts-dejavu",
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
        "npm",
        "python3-venv",
        "make",
    ):
        assert package in script, package
    for other in (ROOT / ".ci" / "run", ROOT / "scripts" / "test-services.sh", ROOT / "Makefile"):
        assert "libreoffice-writer-nogui" not in other.read_text(), other


def test_make_test_runs_the_script_before_it_creates_the_venv():
    result = subprocess.run(
        ["make", "-n", "test", "ARGS=tests/x.py"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    lines = result.stdout.splitlines()
    assert "scripts/system-packages.sh" in lines[0]
    assert "make test" in (ROOT / ".ci" / "run").read_text()
