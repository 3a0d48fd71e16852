"""Checking policies from Python: loading, text, and every diagnostic of a policy that does not check."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

import covenant
from conftest import CONTACT_CENTRE, POLICIES, ROOT, run_cli

SHIPPED = sorted(p for p in POLICIES.glob("*/*.policy") if p.parent.name != "shared")
BROKEN = sorted((ROOT / "tests" / "fixtures" / "check_err").glob("*.policy"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name)
def test_every_shipped_policy_loads_with_its_header(path: Path):
    policy = covenant.Policy.load(path, root=POLICIES)
    header = path.read_text(encoding="utf-8")
    assert f'policy "{policy.name}"' in header
    assert policy.timezone is None or f'timezone "{policy.timezone}"' in header
    assert repr(policy).startswith(f"<covenant.Policy {policy.name!r}")


def test_a_library_of_shared_declarations_is_not_a_policy():
    with pytest.raises(covenant.PolicyError) as raised:
        covenant.Policy.load(POLICIES / "shared" / "calendars.policy")
    assert [d.code for d in raised.value.errors] == ["E0210"]


def test_a_policy_from_text_is_the_policy_of_its_file():
    text = CONTACT_CENTRE.read_text(encoding="utf-8")
    policy = covenant.Policy.from_text(text, name="contact-centre.policy")
    assert policy.name == "Contact centre complaints"
    assert policy.version == 1
    assert policy.timezone == "Europe/London"
    assert policy.warnings == []


def test_policy_objects_are_built_by_load_or_from_text_only():
    with pytest.raises(TypeError):
        covenant.Policy()
    with pytest.raises(TypeError):
        covenant.Policy.from_text(b"policy")  # type: ignore[arg-type]


def located(diagnostic: covenant.Diagnostic):
    return (
        diagnostic.code,
        diagnostic.severity,
        diagnostic.message,
        diagnostic.file,
        diagnostic.line,
        diagnostic.column,
        diagnostic.help,
        tuple((n.file, n.line, n.column, n.message) for n in diagnostic.notes),
    )


def cli_located(entry: dict):
    return (
        entry["code"],
        entry["severity"],
        entry["message"],
        entry.get("file"),
        entry.get("line"),
        entry.get("column"),
        entry.get("help"),
        tuple((n["file"], n["line"], n["column"], n.get("message")) for n in entry["labels"]),
    )


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_diagnostics_are_those_of_covenant_check(path: Path, monkeypatch):
    """Errors raise `PolicyError` with every diagnostic; warnings are kept by the policy."""
    monkeypatch.chdir(ROOT)
    relative = path.relative_to(ROOT)
    cli = json.loads(run_cli("check", "--format", "json", str(relative)))
    expected = sorted(cli_located(d) for d in cli)
    if [d["code"] for d in cli] == ["W0106"]:
        # `covenant check` takes a file without a header for a library; a policy needs one.
        with pytest.raises(covenant.PolicyError) as raised:
            covenant.Policy.load(relative)
        assert [d.code for d in raised.value.diagnostics] == ["E0210"]
    elif any(d["severity"] == "error" for d in cli):
        with pytest.raises(covenant.PolicyError) as raised:
            covenant.Policy.load(relative)
        error = raised.value
        assert all(isinstance(d, covenant.Diagnostic) for d in error.diagnostics)
        assert sorted(located(d) for d in error.diagnostics) == expected
        for diagnostic in error.diagnostics:
            assert str(diagnostic) in str(error)
    else:
        policy = covenant.Policy.load(relative)
        assert expected, "every fixture has a diagnostic"
        assert sorted(located(d) for d in policy.warnings) == expected


def test_diagnostics_of_text_name_it_and_point_at_line_and_column():
    text = 'policy "p" {\n  timezone "Mars/Olympus"\n}\n\npromise a {\n  from opened\n  until nothing_here\n  target within 5 parsecs\n}\n'
    with pytest.raises(covenant.PolicyError) as raised:
        covenant.Policy.from_text(text, name="mars.policy")
    diagnostics = raised.value.diagnostics
    assert diagnostics
    for d in diagnostics:
        assert d.file == "mars.policy"
        assert d.line is not None and 1 <= d.line <= text.count("\n")
        assert d.column is not None and d.column >= 1
        assert d.code.startswith(("E", "W"))
        assert d.message and d.message == d.message.strip()
        assert d.rendered.startswith(f"mars.policy:{d.line}:{d.column}: ")
    assert "mars.policy" in str(raised.value)
    assert isinstance(raised.value, covenant.CovenantError)


def test_an_unreadable_file_is_one_diagnostic(tmp_path: Path):
    missing = tmp_path / "nowhere.policy"
    with pytest.raises(covenant.PolicyError) as raised:
        covenant.Policy.load(missing)
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.code == "E0201"
    assert diagnostic.severity == "error"


def test_diagnostics_and_errors_pickle():
    with pytest.raises(covenant.PolicyError) as raised:
        covenant.Policy.from_text("policy {", name="x.policy")
    diagnostics = raised.value.diagnostics
    assert pickle.loads(pickle.dumps(diagnostics)) == diagnostics
