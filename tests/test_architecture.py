"""The layers of the apps (docs/architecture.md) hold: the import-linter contracts of
pyproject.toml are kept (as `lint-imports` in `make test` checks), and every app of the project
has its place in the layers, so a new app cannot stay outside them."""

import ast
from pathlib import Path

from django.apps import apps
from importlinter import configuration
from importlinter.application import use_cases

ROOT = Path(__file__).resolve().parent.parent


def _contracts():
    configuration.configure()
    return use_cases.read_user_options(str(ROOT / "pyproject.toml"))


def test_the_import_contracts_are_kept(capsys):
    configuration.configure()
    kept = use_cases.lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)
    assert kept == use_cases.SUCCESS, capsys.readouterr().out


def test_every_app_of_the_project_is_in_a_layer():
    options = _contracts()
    (layers,) = [c for c in options.contracts_options if c["id"] == "layers"]
    layered = {module.strip() for layer in layers["layers"] for module in layer.replace(":", "|").split("|")}
    project_apps = {config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT}
    assert project_apps, "no app of the project found"
    assert project_apps <= layered, f"Apps outside the layers: {sorted(project_apps - layered)}"
    assert set(options.session_options["root_packages"]) >= project_apps


LONG_MODULE = 400  # lines (issue 13: "no module over ~400 lines without a reason in its docstring")


def test_a_module_over_400_lines_says_in_its_docstring_why_it_is_long():
    unexplained = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT)
        skipped = relative.parts[0] in {".venv", "node_modules", "tests", ".local"}
        if skipped or "migrations" in relative.parts:
            continue
        source = path.read_text(encoding="utf-8")
        if source.count("\n") <= LONG_MODULE:
            continue
        docstring = ast.get_docstring(ast.parse(source)) or ""
        if "lines" not in docstring:
            unexplained.append(f"{relative} ({source.count(chr(10))} lines)")
    assert not unexplained, "Split these modules, or say in their docstring why they are long: " + ", ".join(
        unexplained
    )
