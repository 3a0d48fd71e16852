"""Throughput of covenant.spark in local mode against `covenant eval` on the same stream.

    python bindings/python/bench/local.py --cases 100000 --rounds 3 [--master local[2]]

Generates a stream with `covenant generate` (the built-in contact-centre policy), then, in
alternating rounds: `covenant eval --format jsonl` to /dev/null (all cores, then one thread),
`Policy.evaluate_events` in this process, and `covenant.spark.evaluate` on the stream read as text
(every case report computed and written nowhere, then the objectives collected). Prints each
round's wall time and cases and events per second, then the medians. Run it from the repository
root, with the package installed and `target/release/covenant` built.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
POLICY = ROOT / "src" / "generate" / "contact-centre.policy"
AS_OF = "2026-07-01T00:00:00Z"


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only-spark", action="store_true")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--partitions", type=int, default=None)
    args = parser.parse_args()

    cli = str(ROOT / "target" / "release" / "covenant")
    folder = Path(tempfile.mkdtemp(prefix="covenant-bench-"))
    stream = folder / "events.jsonl"
    with open(stream, "wb") as out:
        subprocess.run(
            [cli, "generate", "--cases", str(args.cases), "--seed", str(args.seed)],
            stdout=out,
            check=True,
        )
    events = sum(1 for _ in open(stream, "rb"))
    size = stream.stat().st_size
    print(f"{args.cases} cases, {events} events, {size / 1e6:.0f} MB; {os.cpu_count()} cores")

    import covenant
    import covenant.spark
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master(args.master)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    policy_text = POLICY.read_text()
    policy = covenant.Policy.from_text(policy_text)

    def run_cli(threads: str) -> None:
        subprocess.run(
            [cli, "eval", "--policy", str(POLICY), str(stream), "--at", AS_OF,
             "--format", "jsonl", "--threads", threads],
            stdout=subprocess.DEVNULL,
            check=False,
        )

    def run_python() -> None:
        with open(stream, encoding="utf-8") as lines:
            policy.evaluate_events(lines, AS_OF)

    def run_spark() -> None:
        result = covenant.spark.evaluate(
            spark.read.text(str(stream)), policy_text, AS_OF, partitions=args.partitions
        )
        result.cases.write.format("noop").mode("overwrite").save()
        result.objectives.collect()
        result.unpersist()

    runs = {
        "covenant eval (all cores)": lambda: run_cli("0"),
        "covenant eval --threads 1": lambda: run_cli("1"),
        "Policy.evaluate_events": run_python,
        f"covenant.spark.evaluate ({args.master})": run_spark,
    }
    if args.only_spark:
        runs = {name: run for name, run in runs.items() if "spark" in name}
    run_spark()  # The JVM and the Python workers warm up once.
    times: dict = {name: [] for name in runs}
    for round_ in range(args.rounds):
        for name, run in runs.items():
            seconds = timed(run)
            times[name].append(seconds)
            print(
                f"round {round_ + 1}: {name}: {seconds:.2f} s, "
                f"{args.cases / seconds:,.0f} cases/s, {events / seconds:,.0f} events/s",
                flush=True,
            )
    print(json.dumps({"cases": args.cases, "events": events}))
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(
            f"median {name}: {median:.2f} s ({min(seconds):.2f}-{max(seconds):.2f}), "
            f"{args.cases / median:,.0f} cases/s, {events / median:,.0f} events/s"
        )
    spark.stop()


if __name__ == "__main__":
    main()
