"""Shared fixtures: the repository, the `covenant` command to compare with, generated streams."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[3]
POLICIES = ROOT / "policies"
CONTACT_CENTRE = ROOT / "src" / "generate" / "contact-centre.policy"


def covenant_bin() -> Path:
    """The command-line program: $COVENANT_BIN, else the release build, else the debug build."""
    given = os.environ.get("COVENANT_BIN")
    if given:
        return Path(given)
    for profile in ("release", "debug"):
        path = ROOT / "target" / profile / "covenant"
        if path.exists():
            return path
    raise RuntimeError("build the command first (cargo build --release) or set COVENANT_BIN")


def run_cli(*args: str, ok_codes=(0, 1)) -> str:
    """Runs `covenant ARGS...` from the repository root; its standard output."""
    done = subprocess.run(
        [str(covenant_bin()), *args], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode not in ok_codes:
        raise AssertionError(f"covenant {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done.stdout


def cli_json(*args: str) -> Dict[str, Any]:
    """The report of `covenant eval ARGS... --format json` (exit code 3: cases were rejected)."""
    return json.loads(run_cli("eval", *args, "--format", "json", ok_codes=(0, 1, 3)))


def cli_jsonl(*args: str) -> List[str]:
    """The lines of `covenant eval ARGS... --format jsonl` (the cases, then the summary)."""
    return run_cli("eval", *args, "--format", "jsonl", ok_codes=(0, 1, 3)).splitlines()


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Path:
    """A generated stream of 1,500 cases of the contact-centre policy."""
    path = tmp_path_factory.mktemp("streams") / "generated.jsonl"
    path.write_text(run_cli("generate", "--cases", "1500", "--seed", "11", ok_codes=(0,)))
    return path


#: After every event of the generated stream (its cases open from 2026-06-01 on).
GENERATED_AS_OF = "2026-07-01T00:00:00Z"
