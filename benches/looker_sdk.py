"""The official Looker Python SDK (looker_sdk) paging every user of roster's simulated Looker.

The figure `roster bench` is compared with: `all_users(limit=1000, offset=…, sorts="id")` one page
after another, as the SDK's users page, until a page comes back short. Prints the time and the
number of users. Run it against a simulator that is already running (`--config FILE`, the file
`roster sim --config-out FILE` wrote), or let it start one (`--roster BIN --users N --latency MS`).

    python3 benches/looker_sdk.py --roster target/release/roster --users 100000 --latency 100

When looker_sdk is not installed (it is pinned in tests/interop/requirements.txt) it says so
loudly and exits 0, so that a run without it is never mistaken for a figure.
"""

import argparse
import importlib.metadata
import os
import subprocess
import sys
import tempfile
import time
import tomllib

PAGE = 1000


def skipped(why):
    banner = "=" * 10
    print(f"\n{banner}\nSKIPPED: {why}\n{banner}\n", flush=True)
    print(f"\n{banner}\nSKIPPED: {why}\n{banner}\n", file=sys.stderr, flush=True)
    sys.exit(0)


# This file shares the package's name: import the installed SDK, not this script.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != HERE]

try:
    import looker_sdk
except ImportError:
    skipped("looker_sdk not installed (pip install -r tests/interop/requirements.txt)")


def looker_connection(config_path):
    with open(config_path, "rb") as file:
        config = tomllib.load(file)
    for connection in config.get("connection", []):
        if connection.get("kind") == "looker":
            return connection
    sys.exit(f"{config_path} has no Looker connection")


def start_simulator(roster, users, latency_ms, directory):
    config_path = os.path.join(directory, "sdk-bench.toml")
    command = [roster, "sim", "--users", str(users), "--config-out", config_path]
    if latency_ms:
        command += ["--faults", f"latency={latency_ms}ms"]
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not os.path.exists(config_path):
        if child.poll() is not None:
            sys.exit(f"{roster} sim ended with {child.returncode}")
        if time.monotonic() > deadline:
            child.kill()
            sys.exit("the simulator did not start within 300 s")
        time.sleep(0.05)
    return child, config_path


def page_every_user(fields):
    sdk = looker_sdk.init40()
    started = time.perf_counter()
    first_page = None
    users = 0
    pages = 0
    offset = 0
    while True:
        page = sdk.all_users(limit=PAGE, offset=offset, sorts="id", fields=fields)
        pages += 1
        users += len(page)
        if first_page is None:
            first_page = time.perf_counter() - started
        if len(page) < PAGE:
            break
        offset += PAGE
    return users, pages, first_page, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="the config `roster sim --config-out` wrote")
    parser.add_argument("--roster", default="target/release/roster", help="the roster binary that serves the simulator")
    parser.add_argument("--users", type=int, default=100_000, help="generated users (when starting the simulator)")
    parser.add_argument("--latency", type=int, default=0, help="injected latency per request in ms (when starting it)")
    parser.add_argument("--fields", default=None, help="the `fields` of each page (default: whole users, as the SDK returns them)")
    arguments = parser.parse_args()

    child = None
    with tempfile.TemporaryDirectory() as directory:
        config_path = arguments.config
        if config_path is None:
            child, config_path = start_simulator(arguments.roster, arguments.users, arguments.latency, directory)
        try:
            connection = looker_connection(config_path)
            os.environ["LOOKERSDK_BASE_URL"] = connection["url"]
            os.environ["LOOKERSDK_CLIENT_ID"] = connection["client_id"]
            os.environ["LOOKERSDK_CLIENT_SECRET"] = connection["client_secret"]
            os.environ["LOOKERSDK_VERIFY_SSL"] = "false"
            os.environ["LOOKERSDK_TIMEOUT"] = "120"
            users, pages, first_page, total = page_every_user(arguments.fields)
        finally:
            if child is not None:
                child.kill()
                child.wait()
    latency = f", latency {arguments.latency} ms" if arguments.config is None else ""
    print(
        f"looker_sdk {importlib.metadata.version('looker_sdk')}"
        + f": {users} users in {total:.2f} s ({pages} pages of limit={PAGE}, sequential; "
        + f"first page {first_page * 1000:.1f} ms{latency}; {os.cpu_count()} logical CPUs)",
        flush=True,
    )


if __name__ == "__main__":
    main()
