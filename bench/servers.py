"""The app under gunicorn, for the benchmarks that drive it over HTTP (load, scale, surveys)."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
START_TRIES = 150  # 0.2 s apart, besides each try's own wait: gunicorn has half a minute or more to answer


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(
    env: dict, workers: int, threads: int, options: tuple[str, ...] = (), log=None
) -> tuple[subprocess.Popen, str]:
    """gunicorn serving app:app with this environment on a free loopback port, with any further command-line
    options (log level, time-outs); returns the process and its base URL once the sign-in page answers."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            *options,
            "--bind",
            f"127.0.0.1:{port}",
            "app:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(START_TRIES):
        try:
            requests.get(base + "/login", timeout=5)
            return process, base
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")
