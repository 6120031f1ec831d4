"""The load and fault benchmark, run short: gunicorn under wrk on PostgreSQL, then a server restart."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent


def test_app_serves_load_and_survives_a_postgresql_restart():
    """No failed request under load; after a restart of the server the app serves again by itself."""
    if shutil.which("wrk") is None:
        skip_or_fail("load test skipped: install wrk (apt-get install wrk)")
    if not os.environ.get("VOC_TEST_DATABASE_URL"):
        skip_or_fail("load test skipped: set VOC_TEST_DATABASE_URL to a PostgreSQL database")
    out = subprocess.run(
        [
            sys.executable,
            "bench/load.py",
            "--items",
            "2000",
            "--users",
            "10",
            "--seconds",
            "4",
            "--restart-postgresql",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["pages"]["requests"] > 0
    assert result["pages"]["errors"] == 0
    assert result["baseline_login_page"]["errors"] == 0
    assert result["restart"]["requests"] > 0
    assert result["restart"]["errors_after_restart"] == 0
    # Only requests whose connection the restart cut may fail: at most one per simulated user.
    assert result["restart"]["errors_during_restart"] <= result["users"]
