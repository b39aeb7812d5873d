"""`docgen init`: start a notes repository in a folder (the current one by default).

Writes what a new project needs and nothing it already has: a derivations/ folder with one
example that verifies, docgen's JSON Schema beside it (editors complete and check the files
with it: the example's first line names it, and .vscode/settings.json maps derivations/*.yaml
to it), a Makefile (make, make verify, make pdf, make site, make test), and docgen's lines in
.gitignore. A file that exists is never overwritten: it is listed as kept (and for the Makefile
and the VS Code settings, what to add by hand is said); .gitignore only gets the lines it lacks.
The files come from the package (docgen/publish/starter/), so an installed docgen has them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..model.errors import DocgenError
from .fsutil import atomic_write

EXAMPLE = "quadratic-form-gradient.yaml"


@dataclass
class InitReport:
    root: Path
    created: list[Path] = field(default_factory=list)
    kept: list[tuple[Path, str]] = field(default_factory=list)  # (file, what to do by hand)
    present: list[Path] = field(default_factory=list)  # exactly as init would write them
    extended: list[Path] = field(default_factory=list)  # .gitignore, lines added


def _starter(name: str) -> str:
    return resources.files("docgen").joinpath("publish", "starter", name).read_text("utf-8")


def _schema() -> str:
    return resources.files("docgen").joinpath("schema", "derivation.schema.json").read_text("utf-8")


def init(root: Path) -> InitReport:
    """Write the starter files into `root` (created if missing); see the module docstring."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise DocgenError(f"{root}: exists and is not a folder")
    for sub in (root / "derivations", root / ".vscode"):
        if sub.exists() and not sub.is_dir():
            raise DocgenError(f"{sub}: exists and is not a folder; docgen init needs it as one")
    report = InitReport(root)
    wanted = [
        (Path("derivations") / EXAMPLE, _starter(EXAMPLE), "kept as it is"),
        (Path("derivations") / "derivation.schema.json", _schema(),
         "kept as it is (docgen's schema of this version: `docgen init` in an empty folder "
         "writes it afresh)"),
        (Path("Makefile"), _starter("Makefile"),
         "kept as it is; docgen's targets: `docgen verify derivations`, `docgen build "
         "derivations --format html,md --out out`, `pytest derivations`"),
        (Path(".vscode") / "settings.json", _starter("vscode-settings.json"),
         'kept as it is; for completion in derivation files add "yaml.schemas": '
         '{"derivations/derivation.schema.json": "derivations/*.yaml"}'),
    ]
    for rel, text, advice in wanted:
        target = root / rel
        if target.exists() or target.is_symlink():
            same = target.is_file() and not target.is_symlink() and _reads(target) == text
            if same:
                report.present.append(rel)
            else:
                report.kept.append((rel, advice))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, text)
        report.created.append(rel)
    _extend_gitignore(root, report)
    return report


def _reads(path: Path) -> str | None:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _extend_gitignore(root: Path, report: InitReport) -> None:
    """Add docgen's lines to .gitignore, those it lacks; create it if missing."""
    target = root / ".gitignore"
    lines = _starter("gitignore").splitlines()
    if target.is_symlink() or (target.exists() and not target.is_file()):
        report.kept.append((Path(".gitignore"), "not a regular file: add " + ", ".join(lines[1:])))
        return
    old = target.read_text("utf-8") if target.exists() else ""
    have = {line.strip() for line in old.splitlines()}
    missing = [line for line in lines[1:] if line not in have]
    if not missing:
        return
    head = [] if lines[0] in have else [lines[0]]
    sep = "" if not old or old.endswith("\n") else "\n"
    atomic_write(target, old + sep + "\n".join(head + missing) + "\n")
    (report.extended if old else report.created).append(Path(".gitignore"))
