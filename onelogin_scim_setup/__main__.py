"""`python -m onelogin_scim_setup` and the `onelogin-scim-setup` command run the CLI."""

import sys


def run() -> None:
    # Ctrl-C while the CLI's modules load is still an interruption, not a traceback.
    try:
        from onelogin_scim_setup.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
