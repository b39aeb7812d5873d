"""tools/vendor_katex.py: only the tarball package-lock.json pins is accepted, and only the files
docgen ships are taken from it."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("vendor_katex", ROOT / "tools" / "vendor_katex.py")
assert spec is not None and spec.loader is not None
vendor = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vendor)


def tarball(files: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


FAKE = {"package/LICENSE": b"MIT", "package/dist/katex.min.js": b"js",
        "package/dist/katex.min.css": b"css", "package/dist/katex.js": b"full js",
        "package/dist/fonts/KaTeX_Main-Regular.woff2": b"w2",
        "package/dist/fonts/KaTeX_Main-Regular.ttf": b"t",
        "package/dist/fonts/extra/x.woff2": b"nested", "package/cli.js": b"cli"}


def test_the_pinned_version_and_integrity_come_from_package_json_and_the_lock():
    version, integrity = vendor.pinned()
    assert version == "0.19.1" and integrity.startswith("sha512-")


def test_a_tarball_with_other_bytes_is_refused():
    data = tarball(FAKE)
    vendor.check_integrity(data, sri(data))
    with pytest.raises(SystemExit, match="integrity mismatch"):
        vendor.check_integrity(data + b"\0", sri(data))
    with pytest.raises(SystemExit, match="algorithm 'sha1'"):
        vendor.check_integrity(data, "sha1-abc")


def test_only_the_shipped_files_are_taken_and_listed_with_their_hashes():
    files = vendor.members(tarball(FAKE))
    assert files == {"LICENSE": b"MIT", "katex.min.js": b"js", "katex.min.css": b"css",
                     "fonts/KaTeX_Main-Regular.woff2": b"w2"}
    listing = vendor.sums("0.19.1", files).splitlines()
    assert listing[0] == "# KaTeX 0.19.1"
    assert listing[1:] == [f"{hashlib.sha256(files[n]).hexdigest()}  {n}" for n in sorted(files)]
    assert f"{hashlib.sha256(b'w2').hexdigest()}  fonts/KaTeX_Main-Regular.woff2" in listing
    with pytest.raises(SystemExit, match="lacks katex.min.js"):
        vendor.members(tarball({k: v for k, v in FAKE.items() if not k.endswith("min.js")}))


def test_the_recorded_list_is_what_the_script_writes_for_the_bundled_files():
    dist = ROOT / "docgen" / "render" / "katex_dist"
    files = {p.relative_to(dist).as_posix(): p.read_bytes() for p in dist.rglob("*")
             if p.is_file() and p.name != "SHA256SUMS"}
    assert (dist / "SHA256SUMS").read_text("utf-8") == vendor.sums(vendor.pinned()[0], files)
