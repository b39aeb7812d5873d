"""Command line: arguments, exit codes, nothing else. Exit 0 ok, 1 failed, 2 unusable input."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
from pathlib import Path

from . import __version__
from .model.errors import DocgenError
from .run.limits import MAX_MEMORY_MB, MIN_MEMORY_MB, budget_seconds, memory_megabytes
from .terminal import terminal_progress

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def _inputs(p: argparse.ArgumentParser, *, jobs: bool = True, what: str = "verdict cache",
            watch: bool = False) -> None:
    """The options every command that checks derivations shares."""
    p.add_argument("paths", nargs="*", default=["derivations"],
                   help=f"files or folders{' to watch' if watch else ''} (default: derivations/)")
    if jobs:
        p.add_argument("-j", "--jobs", type=int, default=0, metavar="N",
                       help="worker processes for checking (default 0: automatic, all cores for larger sets)")
    p.add_argument("--cache", default=".docgen-cache", metavar="DIR", help=f"{what} folder (default .docgen-cache)")
    p.add_argument("--no-cache", action="store_true", help="check everything, read and write no cache")
    p.add_argument("--strict", action="store_true",
                   help="pass only links proven symbolically (numeric evidence alone fails)")
    p.add_argument("--allow-undecided", action="store_true",
                   help="let links that could not be checked (budget spent, worker died) pass; "
                        "documents mark them 'not checked'")
    if jobs and not watch:
        p.add_argument("--no-progress", action="store_true",
                       help="no progress bar (shown on a terminal when a run lasts over a second)")


def _budget(text: str) -> float:
    """--budget: a finite number of seconds in [MIN_BUDGET, MAX_BUDGET]."""
    try:
        return budget_seconds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _memory(text: str) -> int:
    """--memory: whole megabytes in [MIN_MEMORY_MB, MAX_MEMORY_MB]."""
    try:
        return memory_megabytes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _policy(args: argparse.Namespace):  # noqa: ANN202  (Policy: imported late, see _verify)
    from .check.verdict import Policy

    return Policy(strict=args.strict, allow_undecided=args.allow_undecided)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="docgen", description="Verified derivation documents.")
    p.add_argument("--version", action="version", version=f"docgen {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="check every link of every derivation")
    _inputs(v)
    v.add_argument("-v", "--verbose", action="store_true", help="show every link with its evidence")
    v.add_argument("--format", choices=["text", "json"], default="text",
                   help="the report: text (default) or json (stable, machine-readable)")
    v.add_argument("--json", dest="format", action="store_const", const="json",
                   help="the same as --format json")
    v.add_argument("-o", "--output", metavar="FILE",
                   help="write the report to FILE instead of standard output (never over an input, "
                        "nor over a file that is not a docgen report)")
    v.add_argument("--budget", type=_budget, metavar="SECONDS",
                   help="time budget per link, 0.01-600 (a worker overrunning it by 1 s is killed; "
                        "default: each file's check.budget, 10)")
    v.add_argument("--memory", type=_memory, metavar="MB",
                   help=f"memory limit of each checking worker, {MIN_MEMORY_MB}-{MAX_MEMORY_MB} (default 4096)")
    b = sub.add_parser("build", help="verify, then render LaTeX/PDF, HTML and Markdown")
    _inputs(b)
    b.add_argument("--format", default="latex,pdf,html,md", metavar="LIST",
                   help="comma-separated formats: latex, pdf, html, md (default: all)")
    b.add_argument("--out", default="build", metavar="DIR", help="output folder (default: build/)")
    b.add_argument("--templates", metavar="DIR", help="folder with templates overriding the built-in ones")
    b.add_argument("--draft", action="store_true", help="render failing derivations too, failures marked")
    b.add_argument("-v", "--verbose", action="store_true", help="name every file written")
    pub = sub.add_parser("publish", help="verify, render and write a static site (index, graph, notes)")
    _inputs(pub, what="verdict and PDF cache")
    pub.add_argument("--out", default="site", metavar="DIR", help="the site folder, replaced as a whole (default: site/)")
    pub.add_argument("--format", default="html,pdf,md,latex", metavar="LIST",
                     help="formats of each note: html (required), pdf, md, latex (default: all)")
    pub.add_argument("--templates", metavar="DIR", help="folder with templates overriding the built-in ones")
    srv = sub.add_parser("serve", help="serve the site on 127.0.0.1, rebuilding what changes")
    _inputs(srv, watch=True)
    srv.add_argument("--port", type=int, default=8000, metavar="N", help="TCP port on 127.0.0.1 (default 8000; 0: any free port)")
    srv.add_argument("--templates", metavar="DIR", help="folder with templates overriding the built-in ones (watched too)")
    srv.add_argument("--interval", type=float, default=0.5, metavar="SECONDS", help="how often to look for changes (default 0.5)")
    ex = sub.add_parser("export-numpy", help="write a NumPy module computing a verified result, with a gradient check")
    ex.add_argument("id", help="the derivation's id")
    _inputs(ex, jobs=False)
    ex.add_argument("--out", default="-", metavar="FILE", help="the module to write (default '-': standard output)")
    ex.add_argument("--no-verify", action="store_true", help="export even if the derivation is not verified")
    au = sub.add_parser("audit", help="check the formulas of an existing Markdown, LaTeX or text note")
    au.add_argument("note", help="the note (.md, .tex, .txt, …)")
    au.add_argument("--format", choices=("text", "json"), default="text", help="report format (default text)")
    au.add_argument("--html", metavar="FILE", help="also write an annotated HTML copy of the note")
    au.add_argument("--sidecar", metavar="FILE", help="declarations the note leaves implicit (YAML; "
                                                      "default NOTE.docgen.yaml beside it, or front matter)")
    au.add_argument("-v", "--verbose", action="store_true", help="every link, and the reader's decisions")
    au.add_argument("-j", "--jobs", type=int, default=0, help="worker processes (default: automatic)")
    im = sub.add_parser("import", help="write derivation files for the chains of a note")
    im.add_argument("note", help="the note (.md, .tex, .txt, …)")
    im.add_argument("-o", "--out", default="derivations", metavar="FOLDER",
                    help="where to write (default derivations/); existing files are never overwritten")
    im.add_argument("--sidecar", metavar="FILE", help="as for audit")
    ini = sub.add_parser("init", help="start a notes repository: derivations/ with an example, "
                                      "a Makefile, editor schema wiring")
    ini.add_argument("folder", nargs="?", default=".", help="where (default: the current folder)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "verify":
            return _verify(args)
        if args.command == "build":
            return _build(args)
        if args.command == "publish":
            return _publish(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "export-numpy":
            return _export_numpy(args)
        if args.command == "init":
            return _init(args)
        if args.command == "audit":
            return _audit(args)
        if args.command == "import":
            return _import(args)
    except DocgenError as exc:
        _print_error(exc)
        return exc.exit_code
    except KeyboardInterrupt:  # Ctrl-C: one line; workers and KaTeX are stopped at exit
        print("docgen: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:  # a file or folder the command needs (the output, a cache): not a bug
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"docgen: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    return EXIT_INPUT


def run() -> None:
    """The `docgen` command and `python -m docgen`: `main()`, then a fast exit.

    After a large run the interpreter would free every object one by one before the process
    ends (0.1-0.15 s after checking 500 derivations, at the end of every command); the exit
    handlers run as usual (workers and the KaTeX process are stopped), output is flushed, and
    the system frees the memory at once. An exception still ends the usual way."""
    code = main()
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:  # not CPython: the usual exit
        sys.exit(code)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (docgen ... | head)
            pass
    os._exit(code)


def _print_error(exc: DocgenError) -> None:
    """One line per problem, each with its location."""
    for err in getattr(exc, "errors", [exc]):
        print(f"docgen: {err}", file=sys.stderr)


def _verify(args: argparse.Namespace) -> int:
    from .run.cache import VerdictCache
    from .publish.fsutil import atomic_write
    from .publish.report import check_report_target, json_report, text_report
    from .run.verify import find_files, load_corpus, start_workers_early, verify

    if not find_files(args.paths):
        raise DocgenError(f"no derivation files in {', '.join(args.paths)}")
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        raise DocgenError(f"no such file or folder: {', '.join(missing)}")
    if args.output is not None:  # before any work: never over an input or a user's file
        check_report_target(Path(args.output), args.paths, args.format)
    cache = VerdictCache(None if args.no_cache else Path(args.cache))
    start_workers_early(args.paths, cache, budget=args.budget, memory_mb=args.memory, jobs=args.jobs)
    corpus = load_corpus(args.paths)
    for err in corpus.errors:
        _print_error(err)
    try:
        with terminal_progress(sys.stderr, not args.no_progress) as progress:
            results = verify(corpus.derivations, budget=args.budget, jobs=args.jobs, cache=cache,
                             memory_mb=args.memory, policy=_policy(args), progress=progress)
    finally:
        cache.close()
    if args.format == "json":
        out = json_report(results, corpus.errors)
    else:
        out = text_report(results, verbose=args.verbose, unusable=len(corpus.errors))
    if args.output is None:
        sys.stdout.write(out)
    else:
        atomic_write(args.output, out)
        last = text_report(results, unusable=len(corpus.errors)).splitlines()[-1]
        print(f"wrote {args.output}: {last}")
    if corpus.errors:
        return EXIT_INPUT
    return EXIT_OK if all(r.passed for r in results) else EXIT_FAILED


def _audit(args: argparse.Namespace) -> int:
    from .publish.audit import audit, json_report, text_report
    from .publish.fsutil import atomic_write

    result = audit(args.note, args.sidecar, jobs=args.jobs)
    if args.format == "json":
        sys.stdout.write(json_report(result))
    else:
        sys.stdout.write(text_report(result, verbose=args.verbose))
    if args.html:
        from .publish.auditview import html_report

        if Path(args.html).resolve() == Path(args.note).resolve():
            raise DocgenError(f"--html {args.html}: is the note itself; name another file")
        atomic_write(args.html, html_report(result))
    return result.exit_code


def _import(args: argparse.Namespace) -> int:
    from .publish.audit import import_note

    for path in import_note(args.note, args.out, args.sidecar):
        print(f"wrote {path}")
    return EXIT_OK


def _build(args: argparse.Namespace) -> int:
    from .publish.build import build, parse_formats

    with terminal_progress(sys.stderr, not args.no_progress) as progress:
        report = build(args.paths, parse_formats(args.format), Path(args.out),
                       templates=Path(args.templates) if args.templates else None,
                       draft=args.draft, cache=None if args.no_cache else Path(args.cache),
                       jobs=args.jobs, policy=_policy(args), progress=progress)
    for err in report.errors:
        _print_error(err)
    for res in report.failed:
        what = "rendered as a draft" if res.derivation.id in report.rendered else "not rendered"
        print(f"docgen: {res.derivation.id} ({res.derivation.path}) fails verification: {what}"
              " (see `docgen verify -v`)", file=sys.stderr)
    for path in report.removed:
        print(f"removed {path} (its derivation no longer verifies)")
    if args.verbose:
        _print_written(report.written)
    print(_build_summary(report, parse_formats(args.format), Path(args.out)))
    if report.errors:
        return EXIT_INPUT
    return EXIT_FAILED if report.failed else EXIT_OK


def _print_written(written: list[Path]) -> None:
    assets: dict[Path, int] = {}  # KaTeX's CSS and fonts: one line per katex/ folder
    for path in written:
        folder = next((p for p in path.parents if p.name == "katex"), None)
        if folder is None:
            print(f"wrote {path}")
        else:
            assets[folder] = assets.get(folder, 0) + 1
    for folder, count in assets.items():
        print(f"wrote {folder}/ (KaTeX CSS and fonts, {count} file{'s' * (count != 1)})")


def _build_summary(report, formats: set[str], out: Path) -> str:  # noqa: ANN001 (BuildReport)
    """One line: what verified, what was built where, what was written."""
    order = ["latex", "pdf", "html", "md"]
    built = len(report.rendered)
    fresh = len(report.unchanged)
    parts = [f"{report.verified} verified, built {built} note{'s' * (built != 1)} "
             f"({', '.join(f for f in order if f in formats)}) "
             f"into {out}/: {len(report.written)} file{'s' * (len(report.written) != 1)} written"]
    if fresh:
        parts.append(f"{fresh} already up to date")
    if report.failed:
        parts.append(f"{len(report.failed)} failing verification")
    if report.errors:
        parts.append(f"{len(report.errors)} file{'s' * (len(report.errors) != 1)} unusable")
    return "; ".join(parts)


def _publish(args: argparse.Namespace) -> int:
    from .publish.build import parse_formats
    from .publish.site import publish

    formats = parse_formats(args.format)
    with terminal_progress(sys.stderr, not args.no_progress) as progress:
        report = publish(args.paths, Path(args.out), formats=formats,
                         templates=Path(args.templates) if args.templates else None,
                         cache=None if args.no_cache else Path(args.cache), jobs=args.jobs,
                         policy=_policy(args), progress=progress)
    graph = "" if report.graph else "; citation graph as a list (Graphviz `dot` not found)"
    print(f"published {report.pages} note{'s' * (report.pages != 1)} to {report.out}/ "
          f"({report.out}/index.html) in {report.seconds:.1f} s{graph}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .publish.serve import serve

    if not 0 <= args.port <= 65535:
        raise DocgenError(f"--port {args.port}: not a TCP port (0-65535)")
    if args.interval <= 0:
        raise DocgenError(f"--interval {args.interval}: must be positive")
    return serve(args.paths, port=args.port, templates=Path(args.templates) if args.templates else None,
                 cache=None if args.no_cache else Path(args.cache), jobs=args.jobs, interval=args.interval,
                 policy=_policy(args))


def _init(args: argparse.Namespace) -> int:
    from .publish.starter import init

    report = init(Path(args.folder))
    shown = Path(args.folder)
    for rel in report.created:
        print(f"created {shown / rel}")
    for rel in report.extended:
        print(f"added docgen's lines to {shown / rel}")
    for rel in report.present:
        print(f"{shown / rel}: already there")
    for rel, advice in report.kept:
        print(f"{shown / rel} exists: {advice}")
    where = "" if args.folder == "." else f"cd {args.folder} && "
    print(f"next: {where}docgen verify derivations   (then `make` builds HTML and Markdown into "
          "out/; `make help` lists the rest)")
    return EXIT_OK


def _export_numpy(args: argparse.Namespace) -> int:
    """Export one derivation; it (and everything it cites) must verify unless --no-verify."""
    from .run.cache import VerdictCache
    from .publish.export import export_numpy
    from .publish.fsutil import atomic_write
    from .run.verify import find_files, load_corpus, verify

    if not find_files(args.paths):
        raise DocgenError(f"no derivation files in {', '.join(args.paths)}")
    corpus = load_corpus(args.paths)
    by_id = {d.id: d for d in corpus.derivations}
    if args.id not in by_id:
        for err in corpus.errors:
            _print_error(err)
        raise DocgenError(f"no derivation with id {args.id!r} in {', '.join(args.paths)}")
    der = by_id[args.id]
    source = export_numpy(der)
    if not args.no_verify:
        needed, todo = {}, [der]
        while todo:
            d = todo.pop()
            if d.id not in needed:
                needed[d.id] = d
                todo += [by_id[c] for c, _ in d.citations() if c in by_id]
        cache = VerdictCache(None if args.no_cache else Path(args.cache))
        try:
            results = verify(list(needed.values()), cache=cache, policy=_policy(args))
        finally:
            cache.close()
        if not next(r for r in results if r.derivation.id == der.id).passed:
            print(f"docgen: {der.id} ({der.path}) does not verify: not exported (see `docgen verify -v`;"
                  " --no-verify exports anyway)", file=sys.stderr)
            return EXIT_FAILED
    if args.out == "-":
        sys.stdout.write(source)
    else:
        atomic_write(args.out, source)
        print(f"wrote {args.out}")
    return EXIT_OK

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
