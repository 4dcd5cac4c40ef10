"""The temporary Prefect server of a CLI flow command, tied to the life of that command.

Without ``PREFECT_API_URL`` Prefect starts its own temporary server (``SubprocessASGIServer``: a plain
``subprocess.Popen`` of uvicorn) and stops it from an ``atexit`` hook — which never runs when the CLI is
killed (``kill -9``, OOM killer, a closed SSH session): the server then lives on as an orphan (PPID 1,
~190 MB) holding Prefect's SQLite database. Prefect gives no hook to change how it starts that child, so
dondoc starts the same server itself (the same app factory and environment as Prefect's) and points the
command at it with ``PREFECT_API_URL``; Prefect then starts none. The child runs this module, which

- asks the kernel to send it SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)``, Linux), and
- watches its parent's pid every half second (any POSIX system, and the case where the death signal
  is tied to a thread that ended): when the parent is gone it stops, hard after ``GRACE`` seconds;

and the command stops it at a normal exit. A configured ``PREFECT_API_URL`` (a long-running
``prefect server start``) is used as it is: nothing is started then.

Run as ``python -m cli.prefect_server PARENT_PID PORT``.
"""

import atexit
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx

GRACE = 10.0  # seconds between SIGTERM and a hard exit once the parent is gone
POLL = 0.5

_server: subprocess.Popen[bytes] | None = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(timeout: float = 120.0) -> str:
    """Start the guarded server (once per process) and return its API URL once it answers."""
    global _server
    port = _free_port()
    env = {
        **os.environ,
        # what Prefect's own temporary server gets (prefect.server.api.server.SubprocessASGIServer)
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    _server = subprocess.Popen(
        [sys.executable, "-m", "cli.prefect_server", str(os.getpid()), str(port)],
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        stdin=subprocess.DEVNULL,
    )
    atexit.register(stop)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if _server.poll() is not None:
                raise RuntimeError(f"the temporary Prefect server exited with code {_server.returncode}")
            try:
                if client.get(f"{url}/health").status_code == 200:
                    return url
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    stop()
    raise RuntimeError(f"the temporary Prefect server did not answer within {timeout:.0f} s")


def stop() -> None:
    """Stop the server at a normal exit (after Prefect's own exit hooks, registered later, have run)."""
    global _server
    if _server is None:
        return
    _server.terminate()
    try:
        _server.wait(timeout=GRACE)
    except subprocess.TimeoutExpired:
        _server.kill()
        _server.wait()
    _server = None


# -- the child --------------------------------------------------------------------------------------


def _die_with_parent(parent: int) -> None:
    """PR_SET_PDEATHSIG where the kernel has it, and a pid watch everywhere."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the line above ran
        sys.exit(0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(POLL)
        os.kill(os.getpid(), signal.SIGTERM)  # uvicorn shuts down cleanly on SIGTERM …
        time.sleep(GRACE)
        os.kill(os.getpid(), signal.SIGKILL)  # … or not at all: go anyway

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str]) -> None:
    parent, port = int(argv[0]), int(argv[1])
    _die_with_parent(parent)
    import uvicorn

    uvicorn.run(
        "prefect.server.api.server:create_app",
        factory=True,
        host="127.0.0.1",
        port=port,
        log_level="error",
        lifespan="on",
    )


if __name__ == "__main__":
    main(sys.argv[1:])
