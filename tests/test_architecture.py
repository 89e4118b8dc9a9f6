"""The layers of the apps (docs/architecture.md) hold: the import-linter contracts of
pyproject.toml are kept (as `lint-imports` in `make test` checks), and every app of the project
has its place in the layers, so a new app cannot stay outside them."""

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
    project_apps = {
        config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT
    }
    assert project_apps, "no app of the project found"
    assert project_apps <= layered, f"Apps outside the layers: {sorted(project_apps - layered)}"
    assert set(options.session_options["root_packages"]) >= project_apps
