"""media_pipeline/core/ stays plain Python: importing any of its modules loads neither Django nor
Wagtail nor another app of this project, so `python -m media_pipeline`, the benchmarks and these
tests run it without settings.

Each module is imported in a fresh interpreter (this one has Django loaded already), which then
lists what it loaded. Modules are found on disk, so a new module in core/ is checked without
being named here.
"""

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "media_pipeline" / "core"
CORE_MODULES = sorted(f"media_pipeline.core.{info.name}" for info in pkgutil.iter_modules([str(CORE)]))
# The command line imports only the core; it is checked the same way.
CHECKED = ["media_pipeline.core", *CORE_MODULES, "media_pipeline.__main__"]

FORBIDDEN_PREFIXES = ("django", "wagtail", "lectures", "members", "search", "dianke")

# Runs in the fresh interpreter: import one module, print every module then loaded.
LOADED_AFTER_IMPORT = "import importlib, json, sys; importlib.import_module(sys.argv[1]); " \
                      "print(json.dumps(sorted(sys.modules)))"


def loaded_after_importing(module):
    # -I: no PYTHONPATH, no user site and not the current folder (the repository's site/ folder
    # must not shadow the standard library's site); the editable install still finds the apps.
    result = subprocess.run([sys.executable, "-I", "-c", LOADED_AFTER_IMPORT, module],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def not_plain_python(modules):
    """The loaded modules a core import must not pull in: Django, Wagtail, the project's apps
    (media_pipeline's own Django side included)."""
    return [
        name for name in modules
        if name.split(".")[0].startswith(FORBIDDEN_PREFIXES)
        or (name.startswith("media_pipeline.") and not name.startswith("media_pipeline.core")
            and name != "media_pipeline.__main__")
    ]


def test_the_core_modules_are_found():
    assert {"media_pipeline.core.pipeline", "media_pipeline.core.disc",
            "media_pipeline.core.usb"} <= set(CORE_MODULES)


@pytest.mark.parametrize("module", CHECKED)
def test_importing_a_core_module_loads_no_django_and_no_project_app(module):
    assert not_plain_python(loaded_after_importing(module)) == []
