"""Start moto's server with amiwarden's patches: `python3 emulator/server.py -H 127.0.0.1 -p PORT`.

Same arguments as `moto_server`. The patches are applied to moto's classes first; then moto's own
`main()` runs, with its WSGI app wrapped by our middleware (faults, call log, /amiwarden/*).
"""

import os
import sys
import threading
import time

# Importable whether started as a script (emulator/server.py) or from elsewhere.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# ~1,200 built-in AMIs make every unfiltered DescribeImages slow; the project creates its own.
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

import moto.server  # noqa: E402

from amiwarden_emulator import apply_patches  # noqa: E402
from amiwarden_emulator.middleware import AmiwardenMiddleware  # noqa: E402


def exit_with_parent(parent_pid: int) -> None:
    """Exit as soon as the process that started us is gone, however it ended (SIGKILL, a signal
    before its handlers were installed): no exit hook of the parent can be relied on then."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def main() -> None:
    parent = os.environ.get("AMIWARDEN_EMULATOR_PARENT_PID")
    if parent and parent.isdigit():
        exit_with_parent(int(parent))
    apply_patches()
    run_simple = moto.server.run_simple

    def run_wrapped(host, port, app, **kwargs):  # type: ignore[no-untyped-def]
        return run_simple(host, port, AmiwardenMiddleware(app), **kwargs)

    moto.server.run_simple = run_wrapped
    moto.server.main(sys.argv[1:])


if __name__ == "__main__":
    main()
