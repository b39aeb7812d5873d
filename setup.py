"""The one build step pyproject.toml cannot declare: the default templates go into the package.

The repository keeps docgen's default templates in the top-level `templates/` (projects override
them with `--templates DIR`). A wheel, and a wheel built from the sdist (MANIFEST.in puts
`templates/` in it), carries a copy at `docgen/templates/`, written by build_py into the build
folder only; docgen finds it through docgen.render.resources.package_templates(). An editable
install copies nothing: it reads the repository's `templates/` itself.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithTemplates(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        dest = Path(self.build_lib) / "docgen" / "templates"
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(ROOT / "templates", dest,
                        ignore=shutil.ignore_patterns(".*", "*~", "__pycache__"))


setup(cmdclass={"build_py": BuildPyWithTemplates})
