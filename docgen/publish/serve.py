"""`docgen serve`: the site on 127.0.0.1, rebuilt when a derivation or a template changes.

The site is built into a temporary folder with the same pipeline as `docgen publish` (docgen.build
with docgen.site's hook), except that a failing derivation does not stop anything: it is rendered
as a draft (failed links marked, counterexamples shown), marked failed on the index page and in
the graph, and reported in the terminal. An error that stops a rebuild (a file that does not
load, a formula KaTeX rejects, a template error) is printed and shown as a banner at the top of
every page served, over the last good pages, until it is fixed.

The server answers only requests addressed to this machine by name (Host 127.0.0.1, localhost or
[::1], any port: a page of another site that has its name resolve to 127.0.0.1, DNS rebinding,
gets 421), handles at most MAX_CONNECTIONS connections at once (more are answered 503 without a
thread), drops a connection idle for REQUEST_TIMEOUT seconds, and answers a path it cannot map
to a file (a NUL byte, a name too long) with 400 or 404, never a traceback.

Changes are found by polling modification times (no extra dependency). A rebuild verifies
everything (the verdict cache makes unchanged derivations free) and re-renders only the pages
whose inputs changed: the edited derivation, its citers (their verdicts and "cited by" depend on
it) and neighbours whose previous/next titles changed; build's output manifest skips the rest.
"""

from __future__ import annotations

import html
import http.server
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from http import HTTPStatus
from pathlib import Path
from typing import Callable

from .build import ID_RE, build
from ..check.verdict import DEFAULT_POLICY, Policy
from ..model.errors import DocgenError
from ..render.resources import package_templates
from .site import write_site_pages
from .siteplan import SitePlan, failure_lines

SERVE_FORMATS = {"html", "md"}  # no PDF: TeX takes seconds; `docgen publish` makes them


def watched_files(paths: list[str], templates: Path | None) -> list[Path]:
    """The derivation files (and the siblings a single file may cite) and every template."""
    out: set[Path] = set()
    for p in map(Path, paths):
        folder = p if p.is_dir() else p.parent
        for pattern in ("*.yaml", "*.yml"):
            out.update(q for q in (folder.rglob(pattern) if p.is_dir() else folder.glob(pattern)))
        if p.is_file():
            out.add(p)
    for t in [package_templates(), *([templates] if templates is not None else [])]:
        out.update(q for q in Path(t).rglob("*") if q.is_file())
    return sorted(out)


def snapshot(files: list[Path]) -> dict[str, tuple[int, int]]:
    snap = {}
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        snap[str(f)] = (st.st_mtime_ns, st.st_size)
    return snap


class Site:
    """The served folder and what the last rebuild found."""

    def __init__(self, paths: list[str], templates: Path | None, cache: Path | None, jobs: int,
                 log: Callable[[str], None], policy: Policy = DEFAULT_POLICY):
        self.paths, self.templates, self.cache, self.jobs, self.log = paths, templates, cache, jobs, log
        self.policy = policy
        self.dir = Path(tempfile.mkdtemp(prefix="docgen-serve-"))
        self.problems: list[str] = []  # shown on every page while set
        self.generation = 0
        self.lock = threading.Lock()

    def rebuild(self) -> None:
        started = time.perf_counter()
        plan = SitePlan(formats=set(SERVE_FORMATS), block_failures=False)
        try:
            report = build(self.paths, set(SERVE_FORMATS), self.dir, self.templates, draft=True,
                           cache=self.cache, jobs=self.jobs, site=plan.hook, policy=self.policy)
            errors = [str(e) for e in report.errors]
            if not errors:  # a file that does not load: keep the last good index and pages
                write_site_pages(self.dir, plan.results, self.templates, plan.banner, SERVE_FORMATS)
                self._forget_removed({r.derivation.id for r in plan.results})
        except DocgenError as exc:
            lines = [line for err in getattr(exc, "errors", [exc]) for line in str(err).splitlines()]
            self._set_problems(lines)
            for line in lines:
                self.log(f"docgen: {line}")
            self.log("docgen serve: the pages shown are from the last good build; "
                     "fix the problem and save again")
            return
        except Exception as exc:  # a docgen bug (or the system): the server lives on, says so
            lines = [f"docgen serve: the rebuild stopped on an internal error: "
                     f"{type(exc).__name__}: {exc}".splitlines()[0],
                     "this is a bug in docgen; please report it with the file you saved"]
            self._set_problems(lines)
            for line in lines:
                self.log(line)
            self.log("".join(traceback.format_exception(exc)).rstrip())
            return
        unchanged = set(getattr(report, "unchanged", []))
        redone = [d for d in report.rendered if d not in unchanged]
        self._set_problems(errors)
        for line in errors:
            self.log(f"docgen: {line}")
        for res in plan.results:
            if not res.passed:
                self.log(f"docgen: {res.derivation.id} ({res.derivation.path}) fails verification "
                         "(shown as a draft):")
                for line in failure_lines(res):
                    self.log(f"    {line}")
        passed = sum(r.passed for r in plan.results)
        self.log(f"built {len(plan.results)} notes ({passed} verify), re-rendered "
                 f"{', '.join(redone) if redone else 'none'}, in {time.perf_counter() - started:.1f} s")

    def _set_problems(self, lines: list[str]) -> None:
        with self.lock:
            self.problems = list(lines)
            self.generation += 1

    def _forget_removed(self, ids: set[str]) -> None:
        for p in self.dir.iterdir():
            if p.is_dir() and p.name != "katex" and ID_RE.match(p.name) and p.name not in ids:
                shutil.rmtree(p, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def banner_html(problems: list[str]) -> bytes:
    shown = problems[:MAX_BANNER_LINES]
    if len(problems) > len(shown):
        shown.append(f"... and {len(problems) - len(shown)} more (see the terminal)")
    items = "".join(f"<li>{html.escape(p)}</li>" for p in shown)
    return (
        '<div id="docgen-serve-problems" role="alert" style="margin:0;padding:0.7rem 1.2rem;'
        'background:#fdecea;color:#b3261e;border-bottom:2px solid #b3261e;font:14px/1.5 monospace;'
        'white-space:pre-wrap"><strong>docgen serve: the last rebuild failed; showing the last good '
        f'pages</strong><ul style="margin:0.3rem 0 0">{items}</ul></div>'
    ).encode("utf-8")


MAX_CONNECTIONS = 16  # connections handled at once; more are answered 503 at once
REQUEST_TIMEOUT = 10.0  # seconds a connection may stay idle (a slow client does not hold a slot)
MAX_BANNER_LINES = 40  # problems shown in the banner; the terminal has them all
_LOCAL_HOST = re.compile(r"(?:127\.0\.0\.1|localhost|\[::1\])(?::[0-9]{1,5})?", re.I)


def host_allowed(host: str | None) -> bool:
    """Whether a request's Host header names this machine: 127.0.0.1, localhost or [::1], with
    any port. Anything else (a name of another site resolved to 127.0.0.1: DNS rebinding) or no
    Host at all is refused."""
    return host is not None and _LOCAL_HOST.fullmatch(host.strip()) is not None


def make_handler(site: Site, timeout: float = REQUEST_TIMEOUT) -> type[http.server.SimpleHTTPRequestHandler]:
    """The request handler class for `site` (http.server makes one handler per request from a
    class, so the site is closed over here); each of its methods is short."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(site.dir), **kwargs)

        def setup(self) -> None:
            self.timeout = timeout  # StreamRequestHandler sets it on the socket
            super().setup()

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def _refused(self) -> bool:
            """Answer 421 for a foreign Host, 400 for a path that is no path; True if so."""
            if not host_allowed(self.headers.get("Host")):
                self.send_error(HTTPStatus.MISDIRECTED_REQUEST,
                                "docgen serve answers only 127.0.0.1, localhost and [::1]")
                return True
            path = urllib.parse.unquote(self.path.split("?", 1)[0].split("#", 1)[0])
            if not self.path.startswith("/") or "\x00" in path:
                self.send_error(HTTPStatus.BAD_REQUEST, "Bad path")
                return True
            return False

        def do_HEAD(self) -> None:  # noqa: N802 (http.server's naming)
            if self._refused():
                return
            try:
                super().do_HEAD()
            except (OSError, ValueError):
                self.send_error(HTTPStatus.NOT_FOUND)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self._refused():
                return
            try:
                self._get()
            except (OSError, ValueError):  # a name too long, ...: no such page
                self.send_error(HTTPStatus.NOT_FOUND)

        def _get(self) -> None:
            path = Path(self.translate_path(self.path))
            if path.is_dir() and self.path.split("?")[0].endswith("/"):
                path = path / "index.html"
            with site.lock:
                problems = list(site.problems)
            if not problems or path.suffix != ".html" or not path.is_file():
                return super().do_GET()
            page = path.read_bytes()
            at = page.find(b">", page.find(b"<body")) + 1 if b"<body" in page else 0
            body = page[:at] + banner_html(problems) + page[at:]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:  # quiet: the terminal is for docgen
            pass

    return Handler


class Server(http.server.ThreadingHTTPServer):
    """A thread per connection, at most `max_connections` of them: a connection over the limit
    is answered 503 by the accepting thread and closed. An error while handling a request is
    one line in the log, not a traceback."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, max_connections: int = MAX_CONNECTIONS,
                 log: Callable[[str], None] | None = None):
        self.slots = threading.BoundedSemaphore(max_connections)
        self.say = log or (lambda line: print(line, file=sys.stderr, flush=True))
        super().__init__(address, handler)

    def process_request(self, request, client_address) -> None:
        if not self.slots.acquire(blocking=False):
            try:
                request.settimeout(1.0)
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                b"Retry-After: 1\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            threading.Thread(target=self._handle, args=(request, client_address),
                             name="docgen-serve-request", daemon=True).start()
        except RuntimeError:  # no thread to be had
            self.slots.release()
            self.shutdown_request(request)

    def _handle(self, request, client_address) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 (one request failed; the server goes on)
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self.slots.release()

    def handle_error(self, request, client_address) -> None:
        exc = sys.exc_info()[1]
        self.say(f"docgen serve: a request failed: {type(exc).__name__}: {exc}"[:300])


def make_server(site: Site, port: int, *, log: Callable[[str], None] | None = None,
                max_connections: int = MAX_CONNECTIONS, timeout: float = REQUEST_TIMEOUT) -> Server:
    """The HTTP server of `site` on 127.0.0.1:`port` (0: any free port)."""
    return Server(("127.0.0.1", port), make_handler(site, timeout), max_connections, log)


def serve(paths: list[str], *, port: int = 8000, templates: Path | None = None,
          cache: Path | None = None, jobs: int = 0, interval: float = 0.5,
          log: Callable[[str], None] | None = None, stop: threading.Event | None = None,
          policy: Policy = DEFAULT_POLICY) -> int:
    """Build, serve on 127.0.0.1:`port` and rebuild on changes until Ctrl-C (or `stop`)."""
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise DocgenError(f"no such file or folder: {', '.join(missing)}")
    if templates is not None and not Path(templates).is_dir():
        raise DocgenError(f"--templates {templates}: no such folder")
    say = log or (lambda line: print(line, flush=True))
    site = Site(paths, templates, cache, jobs, say, policy)
    try:
        server = make_server(site, port, log=say)
    except OSError as exc:
        site.close()
        raise DocgenError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror} "
                          "(another server? try --port 0 for any free port)") from None
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        last = snapshot(watched_files(paths, templates))
        site.rebuild()
        threading.Thread(target=server.serve_forever, name="docgen-serve", daemon=True).start()
        say(f"serving http://127.0.0.1:{server.server_address[1]}/ from {site.dir} "
            f"(watching {', '.join(paths)} and the templates; Ctrl-C stops)")
        while not (stop is not None and stop.is_set()):
            time.sleep(interval)
            now = snapshot(watched_files(paths, templates))
            if now == last:
                continue
            while True:  # an editor may write in several steps: wait until it settles
                time.sleep(min(interval, 0.3))
                settled = snapshot(watched_files(paths, templates))
                if settled == now:
                    break
                now = settled
            changed = sorted(set(now.items()) ^ set(last.items()))
            last = now
            names = sorted({os.path.relpath(f) for f, _ in changed})
            say(f"changed: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}")
            site.rebuild()
    except KeyboardInterrupt:
        say("stopped")
    finally:
        server.shutdown()
        server.server_close()
        site.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(serve(sys.argv[1:] or ["derivations"]))
