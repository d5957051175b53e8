"""The code's layout rules, checked on the source: content does not depend on the machinery around it, the
entry points need no path edits, and money is written by one function."""

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONTENT_APPS = ("core", "projects", "stories", "multimedia")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_content_models_and_blocks_do_not_import_publishing_or_the_api():
    """Publishing and the API read content; content never reaches back (no import cycle, no hidden coupling)."""
    offenders = []
    for app in CONTENT_APPS:
        for path in (REPO / "cms" / app).rglob("*.py"):
            if "management" in path.parts or "migrations" in path.parts:
                continue
            bad = sorted(m for m in imported_modules(path)
                         if m.split(".")[:2] in (["cms", "publishing"], ["cms", "api"]) or m.split(".")[0] in ("publishing", "api"))
            if bad:
                offenders.append(f"{path.relative_to(REPO)}: {', '.join(bad)}")
    assert not offenders, offenders


def test_entry_points_do_not_edit_sys_path():
    for name in ("cms/manage.py", "cms/config/wsgi.py"):
        source = (REPO / name).read_text(encoding="utf-8")
        assert "sys.path" not in source, name


def test_manage_py_runs_from_another_directory(tmp_path):
    """The apps are an installed package: `python /path/to/cms/manage.py` works wherever it is started."""
    done = subprocess.run([sys.executable, str(REPO / "cms" / "manage.py"), "check", "--fail-level", "ERROR"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "VDA_VAR_DIR": str(tmp_path),
                               "DJANGO_SETTINGS_MODULE": "cms.config.settings.test"})
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_cms_and_the_builder_write_money_with_the_same_function():
    import vda_base.money
    from cms.donations import forms, offline, reports
    from site_builder import filters

    assert filters.FILTERS["money"] is vda_base.money.money
    for module in (forms, offline, reports):
        assert module.money is vda_base.money.money, module.__name__
