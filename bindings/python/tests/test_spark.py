"""Spark in local mode: the per-case reports and the objectives are those of `covenant eval`."""

from __future__ import annotations

import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import covenant
import covenant.spark
from conftest import CONTACT_CENTRE, GENERATED_AS_OF, ROOT, cli_jsonl

POLICY_TEXT = CONTACT_CENTRE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def spark():
    # The Python workers run this interpreter, where covenant is installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("covenant-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "Asia/Shanghai")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def expected_of(stream: Path, *extra: str) -> Tuple[Dict[str, str], dict]:
    """`covenant eval --format jsonl` of a stream: each case's line by id, and the summary."""
    lines = cli_jsonl("--policy", str(CONTACT_CENTRE), str(stream), "--at", GENERATED_AS_OF, *extra)
    *cases, summary = lines
    return {json.loads(line)["case"]: line for line in cases}, json.loads(summary)


def collected(result: covenant.spark.SparkEvaluation, case_column: str = "case"):
    """The evaluated rows by case id, the rejected rows, and the objectives, collected."""
    rows = result.cases.orderBy(case_column).collect()
    evaluated = {r[case_column]: r for r in rows if r["report"] is not None}
    rejected = [r for r in rows if r["report"] is None]
    objectives = [r.asDict() for r in result.objectives.collect()]
    return evaluated, rejected, objectives


def assert_same_as_cli(result, expected: Dict[str, str], summary: dict, case_column="case"):
    evaluated, rejected, objectives = collected(result, case_column)
    assert sorted(evaluated) == sorted(expected)
    for case, row in evaluated.items():
        assert row["report"] == expected[case], case
        report = json.loads(row["report"])
        assert (row["breaches"], row["actions"], row["warnings"]) == (
            len(report["breaches"]),
            len(report["actions"]),
            len(report["warnings"]),
        )
    assert objectives == summary["objectives"]
    return rejected


def test_json_lines_read_as_text_give_the_reports_and_objectives_of_covenant_eval(
    spark, generated: Path
):
    expected, summary = expected_of(generated)
    assert summary["objectives"] and summary["summary"]["breaches"] > 0
    events = spark.read.text(str(generated))
    result = covenant.spark.evaluate(events, POLICY_TEXT, GENERATED_AS_OF)
    rejected = assert_same_as_cli(result, expected, summary)
    assert rejected == [] == summary["rejected"]
    cases, objectives = result
    assert cases.columns == ["case", "report", "breaches", "actions", "warnings", "source", "error"]
    assert objectives.columns == ["objective", "period", "met", "total", "rate", "state"]
    result.unpersist()


def test_events_as_columns_give_the_same_reports(spark, generated: Path):
    expected, summary = expected_of(generated)
    events = spark.read.json(str(generated))
    assert "case" in events.columns and "at" in events.columns
    result = covenant.spark.evaluate(
        events, POLICY_TEXT, datetime(2026, 7, 1, tzinfo=timezone.utc), partitions=3
    )
    assert result.cases.rdd.getNumPartitions() == 3
    assert_same_as_cli(result, expected, summary)
    result.unpersist()


def test_a_case_column_of_another_name_and_timestamps_as_instants(spark, generated: Path):
    expected, summary = expected_of(generated)
    events = (
        spark.read.json(str(generated))
        .withColumnRenamed("case", "ticket")
        .withColumn("at", F.to_timestamp("at"))
    )
    result = covenant.spark.evaluate(events, POLICY_TEXT, GENERATED_AS_OF, case_column="ticket")
    assert result.cases.columns[0] == "ticket"
    assert_same_as_cli(result, expected, summary, case_column="ticket")
    result.unpersist()


def test_rejected_cases_and_events_come_back_as_rows(spark, tmp_path: Path, generated: Path):
    lines = generated.read_text().splitlines()[:400]
    first_case = json.loads(lines[0])["case"]
    bad = [
        '{"at": "2026-06-01T09:00:00+01:00", "type": "opened"}',
        "not json",
        json.dumps({"case": first_case, "at": "whenever", "type": "noted"}),
        json.dumps({"case": "Z-1", "at": "2026-06-01T09:00:00+01:00", "type": "opened", "handler": {"id": "A", "rank": "admiral"}}),
    ]
    stream = tmp_path / "stream.jsonl"
    stream.write_text("\n".join(lines[:100] + bad + lines[100:]) + "\n")
    expected, summary = expected_of(stream)
    numbered = spark.createDataFrame(
        [(i + 1, line) for i, line in enumerate(stream.read_text().splitlines())],
        "line long, value string",
    )
    result = covenant.spark.evaluate(
        numbered, POLICY_TEXT, GENERATED_AS_OF, order_column="line", source=str(stream)
    )
    rejected = assert_same_as_cli(result, expected, summary)
    assert sorted((r["source"], r["error"]) for r in rejected) == sorted(
        (r["source"], r["error"]) for r in summary["rejected"]
    )
    assert len(rejected) == 4
    by_source = {r["source"]: r for r in rejected}
    assert by_source[f"{stream}:{101}"]["case"] is None
    assert by_source[f"{stream}:{103}"]["case"] == first_case
    assert all(r["breaches"] is None for r in rejected)
    result.unpersist()


def test_a_policy_that_does_not_check_raises_on_the_driver(spark):
    events = spark.createDataFrame([("{}",)], "value string")
    with pytest.raises(covenant.PolicyError) as raised:
        covenant.spark.evaluate(events, "policy {", GENERATED_AS_OF, policy_name="bad.policy")
    assert raised.value.diagnostics[0].file == "bad.policy"
    with pytest.raises(ValueError, match="RFC 3339"):
        covenant.spark.evaluate(events, POLICY_TEXT, "tomorrow")
    with pytest.raises(ValueError, match="ticket"):
        covenant.spark.evaluate(spark.createDataFrame([(1, 2)], "a long, b long"), POLICY_TEXT, GENERATED_AS_OF, case_column="ticket")


def test_objectives_over_many_days_weeks_and_months(spark, tmp_path: Path):
    """Calls over three months, answered after random delays: objectives per day, ISO week and
    month, at least and at most, summed over the cases by Spark."""
    policy = ROOT / "tests" / "fixtures" / "batch" / "rates.policy"
    rng = random.Random(3)
    start = datetime(2026, 5, 28, tzinfo=timezone.utc)
    lines = []
    for n in range(600):
        rang = start + timedelta(seconds=rng.randrange(0, 90 * 86400))
        lines.append({"case": f"r{n}", "at": rang.isoformat(), "type": "rang"})
        if rng.random() < 0.9:
            answered = rang + timedelta(seconds=rng.choice([3, 8, 12, 19, 25, 60]))
            lines.append({"case": f"r{n}", "at": answered.isoformat(), "type": "answered"})
    lines.sort(key=lambda event: event["at"])
    stream = tmp_path / "calls.jsonl"
    stream.write_text("".join(json.dumps(event) + "\n" for event in lines))
    as_of = "2026-09-01T00:00:00Z"
    *cases, summary = cli_jsonl("--policy", str(policy), str(stream), "--at", as_of)
    summary = json.loads(summary)
    periods = {o["period"] for o in summary["objectives"]}
    assert len(periods) > 90 and {"met", "missed"} <= {o["state"] for o in summary["objectives"]}
    result = covenant.spark.evaluate(
        spark.read.text(str(stream)), policy.read_text(), as_of, partitions=2
    )
    assert [r.asDict() for r in result.objectives.collect()] == summary["objectives"]
    reports = sorted(r["report"] for r in result.cases.collect())
    assert reports == sorted(cases)
    result.unpersist()
