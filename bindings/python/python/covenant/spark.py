"""Event streams of any size evaluated on Apache Spark, exactly as ``covenant eval`` would.

:func:`evaluate` takes a DataFrame of events, one row per event, and returns two DataFrames:
one row per case (its report as JSON, and its counts), and the objectives per period.

- Events are grouped by case with Spark (``groupBy``; the events of a case in their input
  order, see ``order_column``), and each group is evaluated on the executors by the compiled
  policy (``mapInArrow``, many cases per call). The policy is checked on the driver first, so a
  policy that does not check raises :class:`covenant.PolicyError` there, and compiled once per
  Python worker.
- Objectives are added up from each case's counts with a Spark aggregation (``met`` and
  ``total`` summed per objective and period), then their rate and state are computed as
  ``covenant eval`` computes them (``docs/semantics.md``, section 8).
- A case that cannot be read, and an event that names no case, come back as rows with their
  location and error: nothing is dropped.

A report is the JSON text ``covenant eval --format jsonl`` writes for the case, byte for byte,
as it does by default (every case complete at the end of the stream; without ``--window``). See
``docs/scale.md`` for running it on a cluster.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Iterator, List, Optional, Union

import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType

from . import Policy, _instant_text

__all__ = ["CASES_SCHEMA", "OBJECTIVES_SCHEMA", "SparkEvaluation", "evaluate"]

#: The columns of :attr:`SparkEvaluation.cases` (the case column is named as the input's).
CASES_SCHEMA = (
    "case string, report string, breaches long, actions long, warnings long, "
    "source string, error string"
)

#: The columns of :attr:`SparkEvaluation.objectives`, as the report's ``objectives`` entries.
OBJECTIVES_SCHEMA = (
    "objective string, period string, met long, total long, rate double, state string"
)

_COUNTS_TYPE = "array<struct<index:int,objective:string,period:string,met:long,total:long>>"
_EVALUATED_SCHEMA = CASES_SCHEMA + ", counts " + _COUNTS_TYPE
_SUMMED_SCHEMA = "index int, objective string, period string, met long, total long"

_EVALUATED_ARROW = pa.schema(
    [
        ("case", pa.string()),
        ("report", pa.string()),
        ("breaches", pa.int64()),
        ("actions", pa.int64()),
        ("warnings", pa.int64()),
        ("source", pa.string()),
        ("error", pa.string()),
        (
            "counts",
            pa.list_(
                pa.struct(
                    [
                        ("index", pa.int32()),
                        ("objective", pa.string()),
                        ("period", pa.string()),
                        ("met", pa.int64()),
                        ("total", pa.int64()),
                    ]
                )
            ),
        ),
    ]
)

_OBJECTIVES_ARROW = pa.schema(
    [
        ("index", pa.int32()),
        ("objective", pa.string()),
        ("period", pa.string()),
        ("met", pa.int64()),
        ("total", pa.int64()),
        ("rate", pa.float64()),
        ("state", pa.string()),
    ]
)

# Timestamp columns are written with their offset, to the microsecond: the exact instant.
_TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"

_KEY, _ORDER, _LINE, _LINES = "__covenant_case", "__covenant_order", "__covenant_line", "__covenant_lines"


class SparkEvaluation:
    """The two DataFrames of :func:`evaluate`; unpack them as ``cases, objectives = ...``.

    ``cases``: one row per case evaluated (``report`` is its JSON text; ``breaches``,
    ``actions`` and ``warnings`` count its entries) and one per case or event rejected
    (``report`` and the counts are null; ``source`` is the location ``SOURCE:N`` of the event
    that rejects it, ``error`` says why). The case column is null for an event that names no
    case. Rows come in no particular order.

    ``objectives``: one row per objective and period, as the report's ``objectives`` entries
    (``objective``, ``period``, ``met``, ``total``, ``rate``, ``state``), objectives in
    declaration order and periods in time order.

    Both are computed from one evaluation, persisted (memory and disk) the first time either is
    used; :meth:`unpersist` releases it.
    """

    __slots__ = ("cases", "objectives", "_evaluated")

    def __init__(self, cases: DataFrame, objectives: DataFrame, evaluated: DataFrame) -> None:
        self.cases = cases
        self.objectives = objectives
        self._evaluated = evaluated

    def __iter__(self) -> Iterator[DataFrame]:
        return iter((self.cases, self.objectives))

    def __repr__(self) -> str:
        return f"SparkEvaluation(cases={self.cases!r}, objectives={self.objectives!r})"

    def unpersist(self) -> None:
        """Releases the persisted evaluation both DataFrames are computed from."""
        self._evaluated.unpersist()


def evaluate(
    events: DataFrame,
    policy_text: str,
    as_of: Union[datetime, str],
    case_column: str = "case",
    *,
    json_column: Optional[str] = None,
    order_column: Optional[str] = None,
    source: str = "events",
    policy_name: str = "<policy>",
    partitions: Optional[int] = None,
) -> SparkEvaluation:
    """Evaluates the events of ``events`` against the policy ``policy_text`` as of ``as_of``.

    ``events`` holds one row per event, either as columns named as the fields of a JSON Lines
    line (``docs/cases.md``: the case id in ``case_column``, ``at``, ``type``, ``handler``,
    ``attributes``…; structs, maps and arrays for the nested fields, as ``spark.read.json``
    reads them; null fields are left out, timestamp columns are written with their offset), or
    as one string column holding each line's JSON text (``json_column``; found by itself when
    the DataFrame has one string column, as ``spark.read.text`` reads a file), whose ``case``
    field names the case.

    The events of a case are taken in the order of ``order_column`` (a number, e.g. the line
    number) when given, else in the DataFrame's row order (``monotonically_increasing_id``
    before grouping): events at the same instant keep that order, as in a file. A rejected
    event's location is ``SOURCE:N`` with N its ``order_column`` value, else its row's id plus
    one (the 1-based row number when the DataFrame has one partition).

    ``partitions`` is the number of partitions the events are grouped into, by a hash of the
    case id (default: as many as the input has, and at least the default parallelism, one per
    core). Repartition through it, not before: the row order of a DataFrame repartitioned by
    hand is not the order of its events. ``policy_name`` names the policy in diagnostics.

    ``as_of`` is a datetime or RFC 3339 text; a naive one is read in the policy's timezone.
    Raises :class:`covenant.PolicyError` (on the driver) when the policy does not check, and
    :class:`ValueError` for an unreadable ``as_of`` or missing columns.
    """
    policy = _compiled(policy_text, policy_name)
    instant = policy._native.read_instant(_instant_text(as_of))
    prepared = _prepare(events, case_column, json_column, order_column)
    if partitions is None:
        partitions = _default_partitions(events)
    if partitions is not None:
        prepared = prepared.repartition(partitions, _KEY)
    grouped = prepared.groupBy(_KEY).agg(
        F.sort_array(F.collect_list(F.struct(_ORDER, _LINE))).alias(_LINES)
    )
    evaluated = grouped.mapInArrow(
        functools.partial(_evaluate_batches, policy_text, policy_name, instant, source),
        _EVALUATED_SCHEMA,
    ).persist(StorageLevel.MEMORY_AND_DISK)
    cases = evaluated.select(
        F.col("case").alias(case_column),
        "report",
        "breaches",
        "actions",
        "warnings",
        "source",
        "error",
    )
    summed = (
        evaluated.select(F.explode("counts").alias("c"))
        .select("c.*")
        .groupBy("index", "objective", "period")
        .agg(F.sum("met").alias("met"), F.sum("total").alias("total"))
    )
    objectives = (
        # A row per objective and period: one task computes every rate and state.
        summed.coalesce(1)
        .mapInArrow(
            functools.partial(_judge_batches, policy_text, policy_name),
            _SUMMED_SCHEMA + ", rate double, state string",
        )
        .orderBy("index", "period")
        .select("objective", "period", "met", "total", "rate", "state")
    )
    return SparkEvaluation(cases, objectives, evaluated)


def _default_partitions(events: DataFrame) -> Optional[int]:
    """As many partitions as the input has, and at least one per core: groups of a size the
    input's partitions already have, and every core busy."""
    try:
        cores = events.sparkSession.sparkContext.defaultParallelism
        return max(events.rdd.getNumPartitions(), cores)
    except Exception:  # Spark Connect has no RDDs: Spark's own choice stands.
        return None


def _prepare(
    events: DataFrame,
    case_column: str,
    json_column: Optional[str],
    order_column: Optional[str],
) -> DataFrame:
    """The events as three columns: the case key, the order within the case, the line's JSON."""
    columns = [c for c in events.columns if c != order_column]
    if order_column is not None and order_column not in events.columns:
        raise ValueError(f"there is no column `{order_column}` to order events by")
    if json_column is None and len(columns) == 1 and columns[0] != case_column:
        field = events.schema[columns[0]]
        if isinstance(field.dataType, StringType):
            json_column = columns[0]
    if order_column is not None:
        order = F.col(order_column).cast("long")
    else:
        order = F.monotonically_increasing_id() + 1
    if json_column is not None:
        if json_column not in events.columns:
            raise ValueError(f"there is no column `{json_column}` of JSON text")
        line = F.col(json_column)
        key = F.get_json_object(line, "$.case")
    else:
        if case_column not in columns:
            raise ValueError(
                f"there is no column `{case_column}` naming the case (give case_column, or "
                "json_column for a column of JSON text)"
            )
        if case_column != "case" and "case" in columns:
            raise ValueError(
                f"both `{case_column}` and `case` are columns: the events' `case` field "
                "would be given twice"
            )
        fields = [
            F.col(c).alias("case") if c == case_column else F.col(c) for c in columns
        ]
        line = F.to_json(
            F.struct(*fields),
            {"timestampFormat": _TIMESTAMP_FORMAT, "ignoreNullFields": "true"},
        )
        key = F.col(case_column).cast("string")
    return events.select(key.alias(_KEY), order.alias(_ORDER), line.alias(_LINE))


@functools.lru_cache(maxsize=16)
def _compiled(policy_text: str, policy_name: str) -> Policy:
    """The policy of ``policy_text``, checked and compiled once per Python process."""
    return Policy.from_text(policy_text, name=policy_name)


def _evaluate_batches(
    policy_text: str,
    policy_name: str,
    as_of: str,
    source: str,
    batches: Iterator[pa.RecordBatch],
) -> Iterator[pa.RecordBatch]:
    """Evaluates batches of grouped events (one row per case key) on an executor."""
    native = _compiled(policy_text, policy_name)._native
    for batch in batches:
        groups = batch.column(_LINES)
        offsets = groups.offsets.to_pylist()
        first = offsets[0] if offsets else 0
        flat = groups.flatten()
        lines: List[str] = flat.field(_LINE).to_pylist()
        # Locations are numbered from 1: a missing or negative place is shown as 0.
        numbers: List[int] = [
            n if n is not None and n > 0 else 0 for n in flat.field(_ORDER).to_pylist()
        ]
        columns = native.evaluate_groups(
            lines, numbers, [o - first for o in offsets], source, as_of
        )
        yield pa.RecordBatch.from_arrays(
            [pa.array(column, type=field.type) for column, field in zip(columns, _EVALUATED_ARROW)],
            schema=_EVALUATED_ARROW,
        )


def _judge_batches(
    policy_text: str, policy_name: str, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """Adds the rate and state of each objective and period to summed counts."""
    native = _compiled(policy_text, policy_name)._native
    for batch in batches:
        rows = batch.to_pylist()
        judged = [
            native.objective_line(row["index"], row["period"], row["met"], row["total"])
            for row in rows
        ]
        yield pa.RecordBatch.from_pylist(
            [
                dict(row, objective=name, rate=rate, state=state)
                for row, (name, rate, state) in zip(rows, judged)
            ],
            schema=_OBJECTIVES_ARROW,
        )
