"""`python -m onelogin_scim_setup` and the `onelogin-scim-setup` command run the CLI."""

import gc
import sys


def run() -> None:
    # Start-up creates about 50,000 objects that live until the process ends (modules, Typer's
    # and pydantic's schemas). The cyclic collector keeps scanning them: in a `validate`, 86 passes
    # that freed 487 objects (31 ms). At exit, Python clears every module and the collector
    # then takes those objects apart, cycle by cycle, just before the process ends (187 ms; 17 ms
    # frozen). So the collector is off while the CLI loads, what loaded is then frozen (never
    # scanned again) and the command runs with it on, so a long apply still frees its garbage; at
    # exit everything is frozen and left to the operating system. Nothing relies on the collector
    # at exit: files, locks and log handlers are closed by their owners (with-blocks, atexit).
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
