"""A Spark job: evaluate JSON Lines event files against a policy, write the reports and objectives.

    spark-submit evaluate_on_spark.py --policy complaints.policy --events 'events/*.jsonl' \\
        --at 2026-07-01T00:00:00Z --out results/ [--partitions N]

Writes `results/cases` (Parquet: one row per case, its report as JSON text, its counts; rejected
cases and events with their location and error) and `results/objectives` (JSON Lines, one line
per objective and period), then prints the counts. The policy file is read on the driver and
its text sent to the executors: it must not import other files (`use`). See docs/scale.md.
"""

from __future__ import annotations

import argparse

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import covenant.spark


def main() -> None:
    parser = argparse.ArgumentParser(description="Evaluate event files against a policy on Spark")
    parser.add_argument("--policy", required=True, help="the policy file (read on the driver)")
    parser.add_argument("--events", required=True, help="JSON Lines files (a path or glob)")
    parser.add_argument("--at", required=True, help="the evaluation instant, RFC 3339")
    parser.add_argument("--out", required=True, help="the folder to write results to")
    parser.add_argument("--partitions", type=int, default=None)
    args = parser.parse_args()

    spark = SparkSession.builder.appName("covenant").getOrCreate()
    with open(args.policy, encoding="utf-8") as file:
        policy_text = file.read()
    events = spark.read.text(args.events)
    result = covenant.spark.evaluate(
        events,
        policy_text,
        args.at,
        partitions=args.partitions,
        source=args.events,
        policy_name=args.policy,
    )
    result.cases.write.mode("overwrite").parquet(f"{args.out}/cases")
    result.objectives.coalesce(1).write.mode("overwrite").json(f"{args.out}/objectives")
    counts = result.cases.agg(
        F.count("report").alias("evaluated"),
        F.count("error").alias("rejected"),
        F.sum("breaches").alias("breaches"),
        F.sum("actions").alias("actions"),
        F.sum("warnings").alias("warnings"),
    ).first()
    print(
        f"{counts['evaluated']} cases evaluated, {counts['rejected']} rejected; "
        f"{counts['breaches'] or 0} breaches, {counts['actions'] or 0} actions, "
        f"{counts['warnings'] or 0} warnings"
    )
    result.unpersist()
    spark.stop()


if __name__ == "__main__":
    main()
