"""Where docgen's default templates are: one function, `package_templates()`, for every user.

Takes nothing; gives a folder. The repository keeps the default templates in its top-level
`templates/` (a project overrides them with `--templates DIR`); a wheel carries a copy inside the
package, `docgen/templates/`, made by setup.py's build step. Cheap to import (no Jinja), so the
incremental build and `docgen serve` use it without loading the renderer.
"""

from __future__ import annotations

from pathlib import Path

from ..model.errors import DocgenError

INSTALLED = Path(__file__).resolve().parents[1] / "templates"  # inside an installed wheel
REPOSITORY = Path(__file__).resolve().parents[2] / "templates"  # a checkout, an editable install
MARKER = "markdown/document.md.j2"  # a template every complete copy has


def package_templates() -> Path:
    """The folder of the default templates: the copy inside the installed package, else the
    repository's `templates/`; neither (a broken install) is a one-line DocgenError."""
    for folder in (INSTALLED, REPOSITORY):
        if (folder / MARKER).is_file():
            return folder
    raise DocgenError(f"docgen's default templates are missing: neither {INSTALLED} nor "
                      f"{REPOSITORY} holds {MARKER} (reinstall docgen)")
