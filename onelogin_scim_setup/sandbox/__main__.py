"""`python -m onelogin_scim_setup.sandbox`: serve both emulators on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading

from onelogin_scim_setup.sandbox.options import SCENARIOS, FaultSpec, SandboxOptions
from onelogin_scim_setup.sandbox.quirks import PROFILES, Quirks
from onelogin_scim_setup.sandbox.server import Sandbox


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m onelogin_scim_setup.sandbox",
        description="Local OneLogin + SOE emulators over HTTP on a loopback address.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--onelogin-port", type=int, default=0, help="0: any free port")
    parser.add_argument("--soe-port", type=int, default=0, help="0: any free port")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--rate-limit-per-hour", type=int, default=5000)
    parser.add_argument("--token-lifetime", type=int, default=36000)
    parser.add_argument("--quirks", choices=PROFILES, default="optimistic", help="quirk profile")
    parser.add_argument(
        "--quirk", action="append", default=[], metavar="NAME=VALUE", help="one quirk switch"
    )
    # Shorthands for three quirk switches (they predate the quirk profiles).
    parser.add_argument("--expose-scim-configuration", action="store_true")
    parser.add_argument("--provisioning-enabled-ignored", action="store_true")
    parser.add_argument("--substitute-dollar-brace", action="store_true")
    parser.add_argument("--users", type=int, default=0, help="extra users (user00001@...)")
    parser.add_argument("--roles", type=int, default=0, help="extra roles (Role 001...)")
    parser.add_argument("--soe-users", type=int, default=0, help="SOE users (first N OneLogin)")
    parser.add_argument("--scenario", choices=SCENARIOS, default=None)
    parser.add_argument("--no-seed-data", action="store_true")
    parser.add_argument("--read-all-scope", action="store_true")
    parser.add_argument("--seed", type=int, default=0, help="fault injection seed")
    for rate in ("error-rate", "rate-limit-rate", "slow-rate", "drop-rate", "latency"):
        parser.add_argument(f"--{rate}", type=float, default=0.0)
    parser.add_argument("--retry-after", type=int, default=0)
    return parser.parse_args(argv)


def options_from(args: argparse.Namespace) -> SandboxOptions:
    """Raises ValueError on a bad option (e.g. an unknown `--quirk`)."""
    shorthands = {
        "expose_scim_configuration": args.expose_scim_configuration,
        "provisioning_enabled_sticks": not args.provisioning_enabled_ignored,
        "substitute_dollar_brace": args.substitute_dollar_brace,
    }
    quirks = Quirks.parse(args.quirks, args.quirk)
    quirks = quirks.with_overrides(
        {name: value for name, value in shorthands.items() if value != getattr(Quirks(), name)}
    )
    faults = FaultSpec(
        seed=args.seed,
        error_rate=args.error_rate,
        rate_limit_rate=args.rate_limit_rate,
        slow_rate=args.slow_rate,
        drop_rate=args.drop_rate,
        latency=args.latency,
        retry_after=args.retry_after,
    )
    return SandboxOptions(
        host=args.host,
        onelogin_port=args.onelogin_port,
        soe_port=args.soe_port,
        page_size=args.page_size,
        rate_limit_per_hour=args.rate_limit_per_hour,
        token_lifetime=args.token_lifetime,
        quirks=quirks,
        faults=faults,
        seed_data=not args.no_seed_data,
        api_scope="Read All" if args.read_all_scope else "Manage All",
        users=args.users,
        roles=args.roles,
        soe_users=args.soe_users,
        scenario=args.scenario,
    )


def main(argv: list[str] | None = None) -> int:
    try:
        sandbox = Sandbox(options_from(parse_args(sys.argv[1:] if argv is None else argv)))
        sandbox.start()
    except (ValueError, OSError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    options = sandbox.options
    sys.stdout.write(
        f"OneLogin API: {sandbox.onelogin_url}\n"
        f"SOE site:     {sandbox.soe_url}\n"
        f"SOE SCIM:     {sandbox.soe_scim_url}\n"
        f"Credentials:  {options.client_id} / {options.client_secret}\n"
        "Press Ctrl-C to stop.\n"
    )
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sys.stdout.write("Stopped.\n")
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
