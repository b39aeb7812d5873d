"""Refresh the KaTeX files shipped inside docgen (docgen/render/katex_dist/) from KaTeX's npm tarball.

Usage: python tools/vendor_katex.py katex-<version>.tgz   (`make vendor-katex` fetches the
tarball with `npm pack` and runs this).

Takes the tarball of the KaTeX version pinned in package.json; checks its bytes against the
sha512 integrity recorded for it in package-lock.json (refusing anything else); replaces the
folder with KaTeX's LICENSE, dist/katex.min.js, dist/katex.min.css and dist/fonts/*.woff2, and
writes SHA256SUMS (version line, then `<sha256>  <path>` per file, sorted), which
tests/render/test_katex.py checks the folder against.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "docgen" / "render" / "katex_dist"
WANTED = {"package/LICENSE": "LICENSE", "package/dist/katex.min.js": "katex.min.js",
          "package/dist/katex.min.css": "katex.min.css"}


def pinned() -> tuple[str, str]:
    """(version, integrity) of KaTeX as package.json and package-lock.json pin it."""
    version = json.loads((ROOT / "package.json").read_text("utf-8"))["dependencies"]["katex"]
    lock = json.loads((ROOT / "package-lock.json").read_text("utf-8"))
    entry = lock["packages"]["node_modules/katex"]
    if entry["version"] != version:
        raise SystemExit(f"package-lock.json has katex {entry['version']}, package.json {version}")
    return version, entry["integrity"]


def check_integrity(data: bytes, integrity: str) -> None:
    """Raise SystemExit unless `data` has the Subresource-Integrity value `integrity`."""
    algo, _, expected = integrity.partition("-")
    if algo != "sha512":
        raise SystemExit(f"unexpected integrity algorithm {algo!r} in package-lock.json")
    got = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != expected:
        raise SystemExit(f"tarball integrity mismatch: sha512-{got}, package-lock.json {integrity}")


def members(data: bytes) -> dict[str, bytes]:
    """The files docgen ships, {path in the folder: bytes}, read from the tarball's bytes."""
    import io

    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for m in tar.getmembers():
            name = WANTED.get(m.name)
            if name is None and m.name.startswith("package/dist/fonts/") \
                    and m.name.endswith(".woff2") and "/" not in m.name[len("package/dist/fonts/"):]:
                name = "fonts/" + m.name.rsplit("/", 1)[1]
            if name is not None and m.isfile():
                f = tar.extractfile(m)
                assert f is not None
                out[name] = f.read()
    missing = set(WANTED.values()) - set(out)
    if missing or not any(n.startswith("fonts/") for n in out):
        raise SystemExit(f"tarball lacks {', '.join(sorted(missing)) or 'fonts'}")
    return out


def sums(version: str, files: dict[str, bytes]) -> str:
    lines = [f"# KaTeX {version}"]
    lines += [f"{hashlib.sha256(files[n]).hexdigest()}  {n}" for n in sorted(files)]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    version, integrity = pinned()
    data = Path(argv[0]).read_bytes()
    check_integrity(data, integrity)
    files = members(data)
    if DEST.exists():
        shutil.rmtree(DEST)
    for name, raw in files.items():
        (DEST / name).parent.mkdir(parents=True, exist_ok=True)
        (DEST / name).write_bytes(raw)
    (DEST / "SHA256SUMS").write_text(sums(version, files), "utf-8")
    print(f"vendored KaTeX {version}: {len(files)} files into {DEST.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
