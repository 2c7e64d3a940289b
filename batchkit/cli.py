"""The `batchkit` command."""

from __future__ import annotations

import argparse
import sys


def demo(args) -> int:
    """The quick start on the embedded backend, headless: no AWS account, no network."""
    from pathlib import Path

    from .demo import run

    return run(Path(args.out), quiet=args.quiet)


def serve(args) -> int:
    """Run a local Batch endpoint in the foreground: the AWS CLI and any SDK can use it."""
    import logging
    import signal
    import threading

    import batchkit

    from .local.server import is_loopback

    logging.basicConfig(format="batchkit serve: %(levelname)s %(message)s")  # refusals and failures, on stderr

    with batchkit.local(seed=args.seed, clock=args.clock, speed=args.speed, server=True, strict=args.strict,
                        host=args.host, port=args.port, allow_remote=args.allow_remote, moto_api=args.moto_api,
                        require_key=args.require_key, state=args.state) as lb:
        print(lb.endpoint_url, flush=True)  # first line: what clients pass as --endpoint-url
        if args.allow_remote and not is_loopback(args.host):
            print(f"batchkit serve: WARNING: listening on {args.host}, reachable from other machines; "
                  + ("callers must sign with the key as their secret access key" if args.require_key else
                     "anyone who reaches it can read, submit and terminate jobs (--require-key KEY prevents that)"),
                  file=sys.stderr, flush=True)
        print(f"batchkit serve: {batchkit.local.LABEL}, {lb.seed_label}, {lb.clock.kind} clock"
              f"{'' if lb.clock.manual else f' x{lb.clock.speed:g}'}; Ctrl-C stops", file=sys.stderr, flush=True)
        if args.state:
            print(f"batchkit serve: state kept in {args.state}: "
                  + ("restored (jobs as they were; the clock goes on from where it stopped)"
                     if lb.restored else "new"), file=sys.stderr, flush=True)
        try:
            if threading.current_thread() is threading.main_thread():  # `kill`, `docker stop`: a clean stop
                signal.signal(signal.SIGTERM, _interrupt)  # (with --state, a checkpoint)
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def report(args) -> int:
    """Write a run report: one self-contained HTML file (AWS, or any endpoint with --endpoint-url)."""
    from .client import connect

    b = connect(profile=args.profile, region=args.region, endpoint_url=args.endpoint_url)
    written = b.report(args.out, since=args.since, queues=args.queue)
    print(f"{written.path}: {written.summary()}")
    return 0


def seed_export(args) -> int:
    """Write an account (AWS, or any endpoint with --endpoint-url) as a seed batchkit.local loads."""
    from .client import connect
    from .seedexport import targets

    existing = [str(p) for p in targets(args.out) if p.exists()]
    if existing and not args.force:  # a hand-written seed must not go unasked
        raise ValueError(f"{', '.join(existing)} exists: --force overwrites it")
    b = connect(profile=args.profile, region=args.region, endpoint_url=args.endpoint_url)
    if args.profile:
        b.label = f"AWS profile {args.profile}"
    seed = b.export_seed(args.out, jobs=args.jobs, since=args.since, queues=args.queues,
                         all_revisions=args.all_revisions, logs=args.logs)
    print(f"{seed.path}: {seed.summary}")
    return 0


def operations(args) -> int:
    """Every Batch operation batchkit knows, from botocore's model."""
    from . import catalog

    for op in catalog.operations().values():
        print(f"{op.cli_name:40} {op.method}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from . import __version__

    parser = argparse.ArgumentParser(prog="batchkit", description="AWS Batch from notebooks and test suites.")
    parser.add_argument("--version", action="version", version=f"batchkit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run_demo = commands.add_parser("demo", help=demo.__doc__.splitlines()[0])
    run_demo.add_argument("--quiet", action="store_true", help="no progress bars")
    run_demo.add_argument("--out", default="batchkit-demo", help="where to write the executed notebook and its HTML copy")
    run_demo.set_defaults(run=demo)
    run_serve = commands.add_parser("serve", help=serve.__doc__.splitlines()[0])
    run_serve.add_argument("--host", default="127.0.0.1",
                           help="address to listen on (default: loopback only; others need --allow-remote)")
    run_serve.add_argument("--allow-remote", action="store_true",
                           help="allow a --host that other machines reach (a warning is printed)")
    run_serve.add_argument("--require-key", metavar="KEY",
                           help="a shared secret: callers sign with it as their AWS secret access key")
    run_serve.add_argument("--moto-api", action="store_true",
                           help="also serve moto's other services and its admin API (/moto-api/reset resets this backend)")
    run_serve.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    run_serve.add_argument("--seed", default="demo", help="a built-in seed name or a YAML/JSON seed file")
    run_serve.add_argument("--clock", default="realtime", choices=("realtime", "manual"))
    run_serve.add_argument("--speed", type=float, default=1.0, help="simulated seconds per wall second (at most 1e6)")
    run_serve.add_argument("--strict", action="store_true", help="reject missing IAM roles, subnets, ...")
    run_serve.add_argument("--state", metavar="DIR",
                           help="keep the state in DIR: it survives a restart and a crash (an existing state wins over --seed)")
    run_serve.set_defaults(run=serve)
    run_report = commands.add_parser("report", help=report.__doc__.splitlines()[0])
    where = run_report.add_mutually_exclusive_group()
    where.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    where.add_argument("--endpoint-url", help="a Batch-compatible endpoint, e.g. batchkit serve's")
    run_report.add_argument("--region", help="AWS region")
    run_report.add_argument("--since", default="24h", help="jobs created since: 24h, 30m, 7d or an ISO date (default 24h)")
    run_report.add_argument("--queue", action="append", help="only this queue (repeatable; default: every queue)")
    run_report.add_argument("-o", "--out", default="run.html", help="the HTML file to write (default run.html)")
    run_report.set_defaults(run=report)
    seed = commands.add_parser("seed", help="seeds for batchkit.local").add_subparsers(dest="action", required=True)
    run_export = seed.add_parser("export", help=seed_export.__doc__.splitlines()[0])
    where = run_export.add_mutually_exclusive_group()
    where.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    where.add_argument("--endpoint-url", help="a Batch-compatible endpoint, e.g. batchkit serve's")
    run_export.add_argument("--region", help="AWS region")
    run_export.add_argument("--queues", nargs="+", metavar="QUEUE",
                            help="only these queues, their environments and policies (default: every queue)")
    run_export.add_argument("--jobs", action="store_true", help="also the jobs (finished ones as history)")
    run_export.add_argument("--since", help="with --jobs: only jobs created since: 24h, 30m, 7d or an ISO date")
    run_export.add_argument("--all-revisions", action="store_true",
                            help="every ACTIVE revision of each job definition (default: the latest)")
    run_export.add_argument("--logs", type=int, default=0, metavar="N",
                            help="with --jobs: the last N log lines of each finished job (default 0)")
    run_export.add_argument("-o", "--out", required=True, help="the seed file to write (.yaml, or .json)")
    run_export.add_argument("--force", action="store_true", help="overwrite the file if it exists")
    run_export.set_defaults(run=seed_export)
    commands.add_parser("operations", help=operations.__doc__).set_defaults(run=operations)
    args = parser.parse_args(argv)
    if getattr(args, "action", None) == "export" and (args.since or args.logs) and not args.jobs:
        parser.error("--since and --logs need --jobs")
    from .errors import BatchError, UnsupportedDependency

    try:
        return args.run(args)
    except (BatchError, UnsupportedDependency, ValueError, OSError) as exc:
        print(f"batchkit: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
