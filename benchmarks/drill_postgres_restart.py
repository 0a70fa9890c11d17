"""Drill: PostgreSQL restarted under load (issue 13). Requests fail cleanly, then recover.

The app server (granian as README deploys it, production settings, persistent connections) serves
heartbeats from 2,000 learners; 16 client threads in a separate process send them without
pause. After `--before` seconds the machine's PostgreSQL is restarted
(`pg_ctlcluster 15 main restart`, as root). The drill tallies every answer by second and
status: during the restart a beat must be answered 503 with Retry-After (the database is
away), never a bare 500 or a dropped connection, and afterwards every beat 200 again.
Prints the tally, the seconds without a 200 and the first second all beats were 200 again.

Usage: .venv/bin/python benchmarks/drill_postgres_restart.py [--seconds 30] [--before 8]
It restarts the machine's PostgreSQL: run it where nothing else needs it for a few seconds.
"""

import argparse
import collections
import http.client
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from heartbeat_throughput import PORT, prepare  # noqa: E402
from sign_in_burst import DB_NAME, _psql, start_server, stop  # noqa: E402

CLUSTER = ["pg_ctlcluster", "15", "main"]


def beat(connection_holder: dict, ticket: str) -> int | str:
    body = json.dumps({"ticket": ticket, "position_seconds": 1, "playing": True})
    try:
        connection = connection_holder.get("c") or http.client.HTTPConnection(
            "127.0.0.1", PORT, timeout=10
        )
        connection_holder["c"] = connection
        connection.request(
            "POST", "/api/v1/study/heartbeat", body, {"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        response.read()
        if response.status == 503 and not response.getheader("Retry-After"):
            return "503 without Retry-After"
        return response.status
    except OSError as error:
        connection_holder.pop("c", None)
        return type(error).__name__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--before", type=float, default=8)
    args = parser.parse_args()
    tickets = prepare(2000)["tickets"]
    server = start_server()
    tally: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
    started = time.monotonic()
    done = threading.Event()

    def client(number: int) -> None:
        holder: dict = {}
        i = number
        while not done.is_set():
            answer = beat(holder, tickets[i % len(tickets)])
            tally[int(time.monotonic() - started)][answer] += 1
            i += 16

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(args.before)
        restart_at = time.monotonic() - started
        subprocess.run([*CLUSTER, "restart"], check=True)
        restarted_at = time.monotonic() - started
        time.sleep(max(0.0, args.seconds - restarted_at))
        done.set()
        for thread in threads:
            thread.join()
    finally:
        done.set()
        stop(server)
        _psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    for second in sorted(tally):
        print(second, dict(tally[second]))
    answers = collections.Counter()
    for counts in tally.values():
        answers.update(counts)
    unclean = {k: v for k, v in answers.items() if k not in (200, 503)}
    bad_seconds = [s for s, counts in tally.items() if set(counts) != {200}]
    after = [s for s in sorted(tally) if s > restarted_at and set(tally[s]) == {200}]
    print(
        json.dumps(
            {
                "restart_began_s": round(restart_at, 1),
                "restart_took_s": round(restarted_at - restart_at, 1),
                "answers": {str(k): v for k, v in answers.items()},
                "unclean_answers": {str(k): v for k, v in unclean.items()},
                "seconds_not_all_200": bad_seconds,
                "all_200_again_from_s": after[0] if after else None,
            }
        )
    )


if __name__ == "__main__":
    main()
