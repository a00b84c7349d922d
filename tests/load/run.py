"""`python -m tests.load.run --users 50 --seconds 300`: the deployed stack under locust's real mix.

Starts the stack the deployed-stack tier uses (gunicorn 2 workers x 4 threads, PostgreSQL
as a login role under RLS, SeaweedFS, Redis, demo data), runs tests/load/locustfile.py
headless against it, prints the figures and exits 1 if 1% or more of the requests
failed or any answer was a 5xx. `make load` runs it at 50 and then 200 users.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def run_locust(url: str, ca_file: str, users: int, seconds: int, folder: Path) -> dict:
    """Run the mix against `url`; the summary the locustfile wrote."""
    summary = folder / f"summary-{users}.json"
    env = {"MITRAPAS_CA": ca_file, "MITRAPAS_LOAD_SUMMARY": str(summary), "PATH": str(Path(sys.executable).parent)}
    subprocess.run([str(Path(sys.executable).with_name("locust")), "-f", str(LOCUSTFILE), "--headless",
                    "--host", url, "--users", str(users), "--spawn-rate", str(max(users // 10, 5)),
                    "--run-time", f"{seconds}s", "--stop-timeout", "10", "--only-summary", "--loglevel", "WARNING"],
                   env={**env, "HOME": str(folder)}, check=False, timeout=seconds + 300)
    return json.loads(summary.read_text())


def acceptable(summary: dict) -> bool:
    return summary["server_errors"] == 0 and summary["failures"] < 0.01 * max(summary["requests"], 1)


def report(users: int, seconds: int, summary: dict) -> str:
    failed = 100 * summary["failures"] / max(summary["requests"], 1)
    return (f"{users} users, {seconds} s: {summary['requests']} requests, {summary['rps']:.1f} req/s, "
            f"{failed:.2f}% failed, {summary['server_errors']} answers 5xx, p50 {summary['p50_ms']} ms, "
            f"p99 {summary['p99_ms']} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--seconds", type=int, default=300)
    arguments = parser.parse_args()
    from tests.deployed.stack import start_stack

    ok = True
    with ExitStack() as resources, tempfile.TemporaryDirectory(prefix="mitrapas-load-") as folder:
        stack = start_stack(resources)
        for users in arguments.users:
            summary = run_locust(stack.url, stack.ca_file, users, arguments.seconds, Path(folder))
            print(report(users, arguments.seconds, summary), flush=True)
            for name, row in sorted(summary["by_request"].items()):
                print(f"    {name:<28} {row['requests']:>7} req  {row['failures']:>5} failed  "
                      f"p50 {row['p50_ms']:>6} ms  p95 {row['p95_ms']:>6} ms  p99 {row['p99_ms']:>6} ms")
            ok = ok and acceptable(summary)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
