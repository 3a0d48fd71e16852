"""Evaluating cases and event streams from Python: the reports are those of `covenant eval`."""

from __future__ import annotations

import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

import covenant
from conftest import (
    CONTACT_CENTRE,
    GENERATED_AS_OF,
    POLICIES,
    ROOT,
    cli_json,
    run_cli,
)

FOLDERS = sorted(p.parent for p in POLICIES.glob("*/cases"))
#: Instants to evaluate the example cases at: while they are open, and long after.
AS_OF = ["2026-06-22T14:00:00+08:00", "2026-07-15T00:00:00Z"]


def policy_file(folder: Path) -> Path:
    [path] = folder.glob("*.policy")
    return path


def yaml_cases(path: Path) -> List[Dict[str, Any]]:
    """The cases of a YAML case file as Python values (timestamps become datetimes)."""
    documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    cases: List[Dict[str, Any]] = []
    for document in documents:
        cases.extend(document if isinstance(document, list) else [document])
    return cases


@pytest.mark.parametrize("as_of", AS_OF)
@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_each_example_case_reports_as_covenant_eval_json(folder: Path, as_of: str):
    policy_path = policy_file(folder)
    expected = cli_json(
        "--root", str(POLICIES), "--policy", str(policy_path), str(folder / "cases"), "--at", as_of
    )
    assert expected["rejected"] == []
    by_id = {case["case"]: case for case in expected["cases"]}
    policy = covenant.Policy.load(policy_path, root=POLICIES)
    seen = set()
    for path in sorted((folder / "cases").glob("*.yaml")):
        for case in yaml_cases(path):
            report = policy.evaluate(case, as_of)
            assert report == by_id[report["case"]], path.name
            # The same from the case's JSON text.
            text = json.dumps(case, default=covenant._json_value)
            assert policy.evaluate(text, as_of) == report
            seen.add(report["case"])
    assert seen == set(by_id)


def test_a_report_has_exactly_the_keys_of_the_contract():
    policy = covenant.Policy.load(POLICIES / "logistics" / "complaints.policy", root=POLICIES)
    [case] = yaml_cases(POLICIES / "logistics" / "cases" / "appointment-not-kept.yaml")
    report = policy.evaluate(case, "2026-06-30T00:00:00+08:00")
    assert list(report) == [
        "case",
        "promises",
        "standards",
        "commitments",
        "escalations",
        "breaches",
        "actions",
        "warnings",
    ]
    assert report["case"] == "LOG-0622-05"
    assert [b["rule"] for b in report["breaches"]]


LONDON = covenant.Policy.load(CONTACT_CENTRE)
CALL = {
    "id": "C-1",
    "attributes": {"channel": "phone", "kind": "complaint"},
    "events": [
        {"at": "2026-06-01T09:00:00+01:00", "type": "opened"},
        {"at": "2026-06-01T09:05:00+01:00", "type": "answered"},
    ],
}


def test_instants_are_aware_datetimes_or_rfc_3339_text():
    text = LONDON.evaluate(CALL, "2026-06-01T10:00:00+01:00")
    aware = LONDON.evaluate(CALL, datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc))
    other_zone = LONDON.evaluate(
        CALL, datetime(2026, 6, 1, 17, 0, tzinfo=timezone(timedelta(hours=8)))
    )
    assert text == aware == other_zone


def test_a_naive_instant_is_read_in_the_policys_timezone():
    # London is on summer time (+01:00) in June.
    naive = LONDON.evaluate(CALL, datetime(2026, 6, 1, 10, 0))
    assert naive == LONDON.evaluate(CALL, "2026-06-01T10:00:00+01:00")
    assert naive == LONDON.evaluate(CALL, "2026-06-01T10:00")
    no_zone = covenant.Policy.from_text('policy "z" {\n}\n')
    with pytest.raises(ValueError, match="declares no timezone"):
        no_zone.evaluate({"id": "x", "events": []}, datetime(2026, 6, 1, 10, 0))


def test_a_bad_instant_raises():
    with pytest.raises(ValueError, match="not an RFC 3339 instant"):
        LONDON.evaluate(CALL, "yesterday")
    with pytest.raises(ValueError, match="9999"):
        LONDON.evaluate(CALL, "9999-12-31T23:00:00-05:00")
    with pytest.raises(TypeError, match="as_of"):
        LONDON.evaluate(CALL, 1_780_000_000)  # type: ignore[arg-type]


def test_datetimes_in_a_case_are_its_timestamps():
    with_datetimes = dict(
        CALL,
        events=[
            {"at": datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc), "type": "opened"},
            # Naive: in the policy's timezone, as a timestamp without an offset in a file.
            {"at": datetime(2026, 6, 1, 9, 5), "type": "answered"},
        ],
    )
    assert LONDON.evaluate(with_datetimes, "2026-06-01T10:00:00+01:00") == LONDON.evaluate(
        CALL, "2026-06-01T10:00:00+01:00"
    )


def test_a_case_that_cannot_be_read_raises_case_error_with_the_reason_covenant_eval_gives(
    tmp_path: Path,
):
    bad = {"id": "B-1", "events": [{"at": "2026-06-01T09:00:00+01:00", "type": "opened"}], "event": []}
    with pytest.raises(covenant.CaseError) as raised:
        LONDON.evaluate(bad, GENERATED_AS_OF)
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(bad))
    expected = cli_json("--policy", str(CONTACT_CENTRE), str(file), "--at", GENERATED_AS_OF)
    [rejected] = expected["rejected"]
    assert raised.value.error == rejected["error"]
    assert raised.value.source.startswith("<case>:")
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    "case, reason",
    [
        ({"id": "x", "events": [{"type": "opened"}]}, "at"),
        ({"id": "x", "events": [{"at": "2026-06-01T09:00:00+01:00", "type": "opened", "handler": {"id": "A", "rank": "admiral"}}]}, "admiral"),
        ({"id": "x", "events": [{"at": "later", "type": "opened"}]}, "later"),
        ({"id": "x", "events": [{"at": "2026-06-01T09:00:00", "type": "opened", "x": [1, [2]]}]}, "x"),
        ([{"id": "x"}, {"id": "y"}], "one case"),
        ("{", None),
        ("[" * 100_000, None),
    ],
)
def test_bad_cases_raise_case_error_never_crash(case, reason):
    with pytest.raises(covenant.CaseError, match=reason):
        LONDON.evaluate(case, GENERATED_AS_OF)


def test_a_value_without_json_form_raises_type_error():
    with pytest.raises(TypeError, match="set"):
        LONDON.evaluate(dict(CALL, attributes={"x": {1, 2}}), GENERATED_AS_OF)


def test_an_event_stream_reports_as_covenant_eval_json(generated: Path, monkeypatch):
    monkeypatch.chdir(ROOT)
    relative = str(generated)
    expected = cli_json(
        "--policy", str(CONTACT_CENTRE), relative, "--at", GENERATED_AS_OF
    )
    lines = generated.read_text().splitlines()
    events = [json.loads(line) for line in lines]
    evaluation = LONDON.evaluate_events(events, GENERATED_AS_OF, source=relative)
    assert evaluation.to_dict() == expected
    assert len(evaluation.cases) == 1500
    assert evaluation.objectives, "the generated stream counts for the objectives"
    # The same from the lines' text, and from the open file (named after it).
    assert LONDON.evaluate_events(lines, GENERATED_AS_OF, source=relative) == evaluation
    with open(relative, encoding="utf-8") as file:
        assert LONDON.evaluate_events(file, GENERATED_AS_OF) == evaluation


def test_rejected_events_are_listed_as_covenant_eval_lists_them(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = [
        '{"case": "A", "at": "2026-06-01T09:00:00+01:00", "type": "opened", "attributes": {"channel": "phone"}}',
        '{"at": "2026-06-01T09:00:00+01:00", "type": "opened"}',
        "not json",
        "",
        '{"case": "B", "at": "2026-06-01T09:01:00+01:00", "type": "opened"}',
        '{"case": "B", "at": "soon", "type": "answered"}',
        '{"case": "A", "at": "2026-06-01T09:03:00+01:00", "type": "answered"}',
        '{"case": "C", "at": "2026-06-01T09:03:00+01:00", "type": "opened", "x": NaN}',
    ]
    Path("stream.jsonl").write_text("\n".join(lines) + "\n")
    expected = json.loads(
        run_cli_in(tmp_path, "eval", "--policy", str(CONTACT_CENTRE), "stream.jsonl", "--at", GENERATED_AS_OF, "--format", "json")
    )
    got = LONDON.evaluate_events(lines, GENERATED_AS_OF, source="stream.jsonl")
    assert got.to_dict() == expected
    assert got.summary["rejected"] == 4
    assert [c["case"] for c in got.cases] == ["A"]
    # A whole text is read as the stream.
    assert LONDON.evaluate_events("\n".join(lines), GENERATED_AS_OF, source="stream.jsonl") == got


def run_cli_in(folder: Path, *args: str) -> str:
    import subprocess

    from conftest import covenant_bin

    done = subprocess.run([str(covenant_bin()), *args], cwd=folder, capture_output=True, text=True)
    # 3: cases were rejected.
    assert done.returncode in (0, 1, 3), done.stderr
    return done.stdout


def test_events_with_datetimes_and_default_source():
    events = [
        {"case": "D-1", "at": datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc), "type": "opened", "attributes": {"channel": "phone"}},
        # Naive: 09:01:30 in London, 90 seconds after the call was opened.
        {"case": "D-1", "at": datetime(2026, 6, 1, 9, 1, 30), "type": "answered"},
        {"case": "D-2", "type": "opened"},
    ]
    got = LONDON.evaluate_events(iter(events), datetime(2026, 6, 2, tzinfo=timezone.utc))
    assert [c["case"] for c in got.cases] == ["D-1"]
    assert got.rejected[0]["source"] == "<events>:3"
    answer = [p for p in got.cases[0]["promises"] if p["promise"] == "answer"][0]
    assert answer["state"] == "met"
    assert answer["stopped"] == "2026-06-01T09:01:30+01:00"


def test_one_policy_serves_many_threads_with_the_same_reports(generated: Path):
    events = [json.loads(line) for line in generated.read_text().splitlines()[:3000]]
    single = LONDON.evaluate_events(events, GENERATED_AS_OF)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: LONDON.evaluate_events(events, GENERATED_AS_OF), range(4)))
    assert all(result == single for result in results)
