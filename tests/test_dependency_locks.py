"""The dependency locks (requirements/prod.lock, requirements/dev.lock, compiled by `make lock`
with pip-tools): every package pinned with its hashes, the dev lock holding the production pins
unchanged, each covering what pyproject.toml asks for, and the Makefile and the Dockerfile
installing them with --require-hashes. (That `make lock` reproduces them and that a fresh venv
installs them needs the package index: docs/operations.md says how it was checked.)"""

import re
import subprocess
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROD_LOCK = ROOT / "requirements" / "prod.lock"
DEV_LOCK = ROOT / "requirements" / "dev.lock"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def entries(lock: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """name -> (version, hashes) of every requirement in a lock; fails on an unpinned one."""
    text = re.sub(r"\s*#.*", "", lock.read_text())  # comments, including the "# via" lines
    result = {}
    for requirement in text.replace("\\\n", " ").splitlines():
        if not requirement.strip():
            continue
        spec, *options = requirement.split("--hash=")
        name, separator, version = spec.strip().partition("==")
        assert separator and version, f"{lock.name}: not pinned: {requirement!r}"
        hashes = frozenset(option.strip() for option in options)
        assert hashes and all(h.startswith("sha256:") for h in hashes), f"{lock.name}: {name} has no hash"
        result[canonicalize_name(name)] = (version, hashes)
    return result


def test_every_package_of_both_locks_is_pinned_with_hashes():
    assert len(entries(PROD_LOCK)) > 50
    assert len(entries(DEV_LOCK)) > len(entries(PROD_LOCK))


def test_the_dev_lock_holds_every_production_pin_unchanged():
    prod, dev = entries(PROD_LOCK), entries(DEV_LOCK)
    for name, pinned in prod.items():
        assert dev.get(name) == pinned, name


def test_the_production_lock_satisfies_the_dependencies_and_holds_no_dev_tool():
    prod = entries(PROD_LOCK)
    for line in PYPROJECT["project"]["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in prod, name
        assert requirement.specifier.contains(prod[name][0], prereleases=True), line
    for line in PYPROJECT["project"]["optional-dependencies"]["dev"]:
        assert canonicalize_name(Requirement(line).name) not in prod, line
    # pyHanko 0.38's opentype extra needs uharfbuzz < 0.56
    assert prod["pyhanko"][0] == "0.38.0" and prod["uharfbuzz"][0] == "0.55.0"


def test_the_dev_lock_satisfies_the_dev_extras():
    dev = entries(DEV_LOCK)
    for line in PYPROJECT["project"]["optional-dependencies"]["dev"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in dev, name
        assert requirement.specifier.contains(dev[name][0], prereleases=True), line
    assert {"pytest-xdist", "import-linter"} <= set(dev)


def make_dry_run(target: str, tmp_path: Path) -> str:
    result = subprocess.run(
        ["make", "-n", target, f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_the_makefile_installs_production_for_the_demo_and_both_for_the_tests(tmp_path):
    demo = make_dry_run("demo", tmp_path)
    assert "install --quiet --require-hashes -r requirements/prod.lock" in demo
    assert "dev.lock" not in demo
    tests = make_dry_run("test-run", tmp_path)
    assert "install --quiet --require-hashes -r requirements/dev.lock" in tests
    lock = make_dry_run("lock", tmp_path)
    assert "pip-compile" in lock and "--generate-hashes" in lock
    assert "--output-file requirements/prod.lock" in lock
    assert "--constraint requirements/prod.lock --output-file requirements/dev.lock" in lock


def test_the_image_installs_the_production_lock_with_hashes():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes -r requirements/prod.lock" in dockerfile
    assert "dev.lock" not in dockerfile
