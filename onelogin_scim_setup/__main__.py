"""`python -m onelogin_scim_setup` and the `onelogin-scim-setup` command run the CLI."""

import gc
import sys


def run() -> None:
    # Start-up loads a few hundred thousand objects that live until the process ends (modules,
    # Typer's and pydantic's schemas). The cyclic collector would scan them again and again while
    # they load and once more at exit, finding nothing: a third of `validate`'s wall time
    # (benchmarks/startup.py). So it is off while the CLI loads, what loaded is then frozen (never
    # scanned again) and the command runs with it on; at exit everything is frozen, not scanned.
    # Nothing relies on the collector at exit: files, locks and log handlers are closed by their
    # owners (with-blocks, atexit), never by a finalizer.
    gc.disable()
    try:
        # Ctrl-C while the CLI's modules load is still an interruption, not a traceback.
        try:
            from onelogin_scim_setup.cli import main
        finally:
            gc.freeze()
            gc.enable()
        main()
    except KeyboardInterrupt:  # main() has its own boundary; this covers the moments around it
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)
    finally:
        gc.freeze()


if __name__ == "__main__":
    run()
