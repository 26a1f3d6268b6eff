"""``plenary``: serve, migrate, issue development tokens, import the roll, load the demo, verify.

``verify-draw`` re-runs a sortition draw from its published record (exit 0 when it checks out).

Every command reads the same ``PLENARY_*`` settings as the service. Errors print one line that
says what to do and exit non-zero; nothing is half done.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from service.settings import ROLES, Settings, SettingsError

__all__ = ["main"]


class CommandError(Exception):
    """A command cannot go on; the message is printed and the exit status is ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise CommandError(str(exc), 2) from None


async def _prepare(settings: Settings, *, migrate: bool) -> Settings:
    """Locate (or start) the database and bring its schema to head."""
    from service import migrate as migrations
    from service.database import engine_options, locate_database

    try:
        location = await locate_database(settings)
    except SettingsError as exc:
        raise CommandError(str(exc), 2) from None
    if migrate:
        await migrations.upgrade(location.url, engine_options=engine_options(settings))
    return settings.with_(database_url=location.url)


def cmd_migrate(args: argparse.Namespace) -> int:
    from service import migrate as migrations
    from service.database import engine_options

    async def run() -> str | None:
        settings = await _prepare(_settings(), migrate=False)
        database_url = settings.database
        if args.revision:
            await migrations.make_revision(database_url, args.revision)
            return None
        return await migrations.upgrade(database_url, engine_options=engine_options(settings))

    revision = asyncio.run(run())
    if revision is not None:
        print(f"database is at migration {revision}")
    return 0


def cmd_keys_create(args: argparse.Namespace) -> int:
    from service.deployment_keys import create_keys
    from service.keys import KeyError_
    from service.log_signing import LogKeyError

    try:
        made, verifier_key = create_keys(_settings())
    except (KeyError_, LogKeyError, OSError) as exc:
        raise CommandError(str(exc), 2) from None
    for key in made:
        print(f"{key.what}: {key.path} ({'created' if key.created else 'kept, already there'})")
    print(f"log verifier key (publish it; auditors pin it): {verifier_key}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from service.auth import issue_token
    from service.keys import KeyError_, ensure_private_key, load_private_key

    settings = _settings()
    try:
        path, _ = ensure_private_key(settings)
        key = load_private_key(path)
        token = issue_token(
            key,
            settings,
            subject=args.member,
            roles=args.role or ["member"],
            ttl_seconds=args.ttl,
        )
    except (KeyError_, ValueError) as exc:
        raise CommandError(str(exc), 2) from None
    print(token)
    return 0


def cmd_import_members(args: argparse.Namespace) -> int:
    from service.roll import import_roll_file

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{path}: no such file", 2)

    data = path.read_bytes()

    async def run() -> int:
        settings = await _prepare(_settings(), migrate=True)
        return await import_roll_file(settings, path, data)

    return asyncio.run(run())


def cmd_demo(args: argparse.Namespace) -> int:
    from service.demo import load_demo

    os.environ.setdefault("PLENARY_EMBEDDED_DATABASE", "1")  # the demo may run on its own

    async def run() -> None:
        settings = await _prepare(_settings(), migrate=True)
        loaded = await load_demo(settings, force=args.force)
        print(loaded)

    asyncio.run(run())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.app import create_app
    from service.demo import load_demo, welcome
    from service.deployment_keys import check_keys
    from service.keys import KeyError_
    from service.log_signing import LogKeyError
    from service.uvicorn_logs import uvicorn_log_config

    if args.demo:
        # The demo's sign-in page lists demo members to pick from; never on in production.
        os.environ.setdefault("PLENARY_DEMO_SIGN_IN", "1")
        # A trial on one machine: an embedded database and keys made up here are fine.
        os.environ.setdefault("PLENARY_EMBEDDED_DATABASE", "1")
        os.environ.setdefault("PLENARY_GENERATE_KEYS", "1")
    settings = _settings()
    try:
        check_keys(settings)
    except (KeyError_, LogKeyError) as exc:
        raise CommandError(str(exc), 2) from None
    if args.demo:
        # With no mail server, the demo's mail goes to a folder and the console instead.
        os.environ.setdefault("PLENARY_MAIL_COPY_DIR", str(settings.data_dir / "outbox"))
    if args.host:
        settings = settings.with_(host=args.host)
    if args.port:
        settings = settings.with_(port=args.port)

    async def prepare() -> Settings:
        ready = await _prepare(settings, migrate=not args.no_migrate)
        if args.demo:
            print(await load_demo(ready))
        return ready

    ready = asyncio.run(prepare())
    app = create_app(ready)
    print(welcome(ready), flush=True)
    uvicorn.run(
        app,
        host=ready.host,
        port=ready.port,
        log_level=ready.log_level.lower(),
        log_config=uvicorn_log_config(ready.log_level),  # JSON lines like the service's own
        access_log=False,
        # uvicorn believes X-Forwarded-For/-Proto from the same proxies the service does, so
        # the address every part of the service sees is the client's, not the proxy's.
        proxy_headers=True,
        forwarded_allow_ips=list(ready.trusted_proxies),
        timeout_graceful_shutdown=10,
    )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from voting.verify import run

    return run(
        Path(args.bundle),
        key=args.key,
        receipt=args.receipt,
        witnesses=args.witness,
        quorum=args.witnesses,
    )


def cmd_verify_draw(args: argparse.Namespace) -> int:
    from assembly.sortition.sortition_record import run

    return run(Path(args.record), ticket=args.ticket, salt=args.salt, member=args.member)


def cmd_witness(args: argparse.Namespace) -> int:
    from service.witness_server import run

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return run(args)


def cmd_verify_log(args: argparse.Namespace) -> int:
    from audit.verify_cli import run

    return run(args, prog="plenary verify-log")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plenary", description="Online democracy for a membership organisation."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the service (embedded database unless DATABASE_URL)")
    serve.add_argument("--demo", action="store_true", help="load the demo organisation if empty")
    serve.add_argument("--host", help="address to listen on (default PLENARY_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default PLENARY_PORT or 8000)")
    serve.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="bring the database schema up to date")
    migrate.add_argument(
        "--revision", metavar="MESSAGE", help="(developers) autogenerate a new migration"
    )
    migrate.set_defaults(func=cmd_migrate)

    keys = sub.add_parser("keys", help="the deployment's keys, made once for every process")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    keys_create = keys_sub.add_parser(
        "create",
        help="write the token-signing key, the log signing key and the rate-limit secret "
        "into the keys directory, keeping any already there",
    )
    keys_create.set_defaults(func=cmd_keys_create)

    token = sub.add_parser("token", help="print a signed token (development and tests)")
    token.add_argument("--member", required=True, help="the subject: a membership number")
    token.add_argument(
        "--role", action="append", choices=ROLES, help="a role to include (repeatable)"
    )
    token.add_argument("--ttl", type=int, default=None, help="seconds until it expires")
    token.set_defaults(func=cmd_token)

    imp = sub.add_parser("import-members", help="import the member roll from a CSV file")
    imp.add_argument("file", help="CSV: membership_number,name,email,branch,region,status[,…]")
    imp.set_defaults(func=cmd_import_members)

    demo = sub.add_parser("demo", help="load the demo organisation")
    demo.add_argument("--force", action="store_true", help="load even if members exist")
    demo.set_defaults(func=cmd_demo)

    verify = sub.add_parser("verify", help="check a contest's audit bundle offline")
    verify.add_argument("bundle", help="the bundle (JSON) from GET /api/v1/contests/ID/bundle")
    verify.add_argument(
        "--key", metavar="VKEY", help="the log's verifier key, fetched independently (or a file)"
    )
    verify.add_argument("--receipt", metavar="TOKEN", help="your receipt: is it in the box?")
    from voting.verify import add_witness_arguments

    add_witness_arguments(verify)
    verify.set_defaults(func=cmd_verify)

    verify_draw = sub.add_parser(
        "verify-draw", help="re-run a sortition draw from its record and check it"
    )
    verify_draw.add_argument(
        "record", help="the record (JSON) from GET /api/v1/sortitions/ID/record"
    )
    verify_draw.add_argument("--ticket", help="your ticket (from your receipt on joining the pool)")
    verify_draw.add_argument("--salt", help="your salt (from the same receipt)")
    verify_draw.add_argument("--member", metavar="NUMBER", help="your membership number")
    verify_draw.set_defaults(func=cmd_verify_draw)

    from audit.verify_cli import DESCRIPTION, EPILOG, build_parser

    verify_log = sub.add_parser(
        "verify-log",
        parents=[build_parser()],
        add_help=False,
        help="check the transparency log against its pinned key",
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    verify_log.set_defaults(func=cmd_verify_log)

    from service.witness_server import add_arguments as witness_arguments

    witness = sub.add_parser(
        "witness", help="run a tlog-witness: cosign the log's checkpoints that only grow"
    )
    witness_arguments(witness)
    witness.set_defaults(func=cmd_witness)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status says whether it worked."""
    given = list(sys.argv[1:] if argv is None else argv)
    if "--receipt" in given:
        from voting.verify import receipt_taken_whole

        given = receipt_taken_whole(given)
    args = _parser().parse_args(given)
    try:
        code: int = args.func(args)
    except CommandError as exc:
        print(f"plenary {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
