"""Service policies checked, and cases evaluated against them, from Python.

A policy is checked once (:meth:`Policy.load`, :meth:`Policy.from_text`); a policy that does not
check raises :class:`PolicyError` with every problem found. A checked policy evaluates one case
(:meth:`Policy.evaluate`) or a stream of events of many cases (:meth:`Policy.evaluate_events`)
as of an instant, giving the reports of the JSON report contract that ``covenant eval --format
json`` writes (``docs/semantics.md``): plain dicts, lists, strings, numbers and ``None``.

Evaluation is pure and a :class:`Policy` is immutable: share one between threads (the
interpreter lock is released while cases are evaluated). :mod:`covenant.spark` evaluates event
streams on Apache Spark.

Instants (``as_of``) are timezone-aware :class:`~datetime.datetime` values or RFC 3339 text. A
naive datetime, or text without an offset, is read in the policy's timezone, as ``covenant eval
--at`` and timestamps without an offset in case files are; with a policy that declares no
timezone it raises :class:`ValueError`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _native
from ._native import Policy as _NativePolicy

if TYPE_CHECKING:
    from ._native import DiagnosticTuple

__all__ = [
    "CaseError",
    "CovenantError",
    "Diagnostic",
    "Evaluation",
    "Note",
    "Policy",
    "PolicyError",
    "__version__",
]

try:
    from importlib.metadata import version as _version

    __version__: str = _version("covenant")
except Exception:  # pragma: no cover - only when run from a source tree without metadata
    __version__ = "0.0.0"

#: An evaluation instant: a datetime (naive: in the policy's timezone) or RFC 3339 text.
Instant = Union[datetime, str]

#: A case: a mapping of the shape of ``docs/cases.md`` (``id``, ``attributes``, ``events``), or
#: its JSON text.
CaseInput = Union[Mapping[str, Any], str]

#: One event of a JSON Lines stream (``docs/cases.md``): a mapping with a ``case`` field, or the
#: JSON text of one line.
EventInput = Union[Mapping[str, Any], str]


class CovenantError(Exception):
    """The base of the errors covenant raises about policies and cases."""


@dataclass(frozen=True)
class Note:
    """A secondary place a diagnostic points at, with what it says there, if anything."""

    file: str
    line: int
    column: int
    message: Optional[str]


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a policy: a stable code (documented in ``docs/diagnostics.md``), a
    severity (``"error"`` or ``"warning"``), a lowercase message, where it is (1-based line and
    column; ``None`` for a problem with no place, such as an unreadable file), a help text,
    and notes pointing at related places."""

    code: str
    severity: str
    message: str
    file: Optional[str]
    line: Optional[int]
    column: Optional[int]
    help: Optional[str]
    notes: Tuple[Note, ...] = ()
    rendered: str = ""
    """The plain rendering: ``file:line:col: error[CODE]: message``, notes and help."""

    def __str__(self) -> str:
        return self.rendered or f"{self.severity}[{self.code}]: {self.message}"

    @classmethod
    def _from_native(cls, raw: "DiagnosticTuple") -> "Diagnostic":
        code, severity, message, file, line, column, help_, notes, rendered = raw
        return cls(
            code=code,
            severity=severity,
            message=message,
            file=file,
            line=line,
            column=column,
            help=help_,
            notes=tuple(Note(*note) for note in notes),
            rendered=rendered,
        )


class PolicyError(CovenantError):
    """A policy that does not check. :attr:`diagnostics` holds every problem found (errors and
    warnings, in the order found); ``str(error)`` renders them all."""

    diagnostics: List[Diagnostic]

    def __init__(self, diagnostics: List[Diagnostic], origin: str) -> None:
        self.diagnostics = diagnostics
        self.origin = origin
        errors = sum(1 for d in diagnostics if d.severity == "error")
        rendered = "\n".join(str(d) for d in diagnostics)
        super().__init__(
            f"the policy `{origin}` does not check ({errors} error"
            f"{'' if errors == 1 else 's'}):\n{rendered}"
        )

    @property
    def errors(self) -> List[Diagnostic]:
        """The diagnostics of severity ``"error"``."""
        return [d for d in self.diagnostics if d.severity == "error"]


class CaseError(CovenantError, ValueError):
    """A case that cannot be read (:meth:`Policy.evaluate`): where (:attr:`source`, ``<case>:LINE``
    in the case's JSON text), the case id when it could be read, and what is wrong."""

    def __init__(self, source: str, case: Optional[str], error: str) -> None:
        self.source = source
        self.case = case
        self.error = error
        super().__init__(f"{source}: {error}")


@dataclass(frozen=True)
class Evaluation:
    """The report of an event stream (:meth:`Policy.evaluate_events`), with exactly the keys and
    values of the report ``covenant eval --format json`` writes:

    - :attr:`cases`: one report per case evaluated, in the order their ids were first seen;
    - :attr:`objectives`: ``{"objective", "period", "met", "total", "rate", "state"}`` per
      objective and period, objectives in declaration order, periods in time order;
    - :attr:`rejected`: ``{"source", "error"}`` per case or line that could not be read (lines
      that name no case first, then cases in first-seen order);
    - :attr:`summary`: ``{"cases", "evaluated", "rejected", "breaches", "actions", "warnings"}``,
      with ``cases == evaluated + rejected``;
    - :attr:`as_of` (RFC 3339 in the policy's timezone) and :attr:`policy` (``name``,
      ``version``).

    :meth:`to_dict` gives the whole report as one dict.
    """

    as_of: str
    policy: Dict[str, Any]
    cases: List[Dict[str, Any]]
    objectives: List[Dict[str, Any]]
    rejected: List[Dict[str, Any]]
    summary: Dict[str, int]

    def to_dict(self) -> Dict[str, Any]:
        """The whole report, keys in the order ``covenant eval --format json`` writes them."""
        return {
            "as_of": self.as_of,
            "policy": self.policy,
            "cases": self.cases,
            "objectives": self.objectives,
            "rejected": self.rejected,
            "summary": self.summary,
        }


def _instant_text(as_of: Instant) -> str:
    """The text of an evaluation instant, for the native reader."""
    if isinstance(as_of, datetime):
        if as_of.tzinfo is None or as_of.utcoffset() is None:
            # Naive: a local date and time, read in the policy's timezone.
            return as_of.isoformat()
        return as_of.astimezone(timezone.utc).isoformat()
    if isinstance(as_of, str):
        return as_of
    raise TypeError(
        f"as_of must be a datetime or RFC 3339 text, not {type(as_of).__name__}"
    )


def _json_value(value: Any) -> Any:
    """JSON for the values ``json`` cannot write: dates and times as ISO 8601 text (a naive
    datetime as a timestamp without an offset, read in the policy's timezone)."""
    if isinstance(value, datetime):
        offset = value.utcoffset()
        if offset is not None and offset % timedelta(minutes=1):
            # RFC 3339 has no seconds in offsets: write such an instant in UTC.
            return value.astimezone(timezone.utc).isoformat()
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    raise TypeError(
        f"a value of type {type(value).__name__} cannot be part of a case "
        "(use text, numbers, booleans, None, lists, mappings or datetimes)"
    )


def _line(text: str) -> str:
    """A line of JSON Lines text without its line break."""
    if text.endswith("\n"):
        text = text[:-1]
    if text.endswith("\r"):
        text = text[:-1]
    return text


def _dumps(value: Any) -> str:
    """The JSON text of a case or event given as Python values."""
    return json.dumps(value, default=_json_value, ensure_ascii=False)


class Policy:
    """A checked policy, ready to evaluate cases. Build one with :meth:`load` or
    :meth:`from_text`; it is immutable and can be shared between threads."""

    __slots__ = ("_native",)

    _native: _NativePolicy

    def __init__(self) -> None:
        raise TypeError("use Policy.load(path) or Policy.from_text(text)")

    @classmethod
    def _wrap(
        cls,
        native: Optional[_NativePolicy],
        diagnostics: "List[DiagnosticTuple]",
        origin: str,
    ) -> "Policy":
        if native is None:
            raise PolicyError([Diagnostic._from_native(d) for d in diagnostics], origin)
        policy = object.__new__(cls)
        object.__setattr__(policy, "_native", native)
        return policy

    @classmethod
    def load(
        cls,
        path: Union[str, "os.PathLike[str]"],
        root: Optional[Union[str, "os.PathLike[str]"]] = None,
    ) -> "Policy":
        """Loads and checks the policy file at ``path`` and every file it imports (``use``).

        Imports must stay inside ``root``, a folder (default: the policy file's own folder), as
        ``covenant eval --root``: a policy that imports ``../shared/calendars.policy`` is loaded
        with the folder holding both (``root="policies"``). An import outside it is ``E0220``.

        Raises :class:`PolicyError` with every diagnostic when the policy does not check (an
        unreadable file is one diagnostic, ``E0201``)."""
        path = os.fspath(path)
        native, diagnostics = _native.load(path, None if root is None else os.fspath(root))
        return cls._wrap(native, diagnostics, path)

    @classmethod
    def from_text(cls, text: str, name: str = "<policy>") -> "Policy":
        """Checks policy text; ``name`` names it in diagnostics. Text cannot import other files
        (``use``): load such a policy from its file.

        Raises :class:`PolicyError` with every diagnostic when the policy does not check."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        native, diagnostics = _native.parse(text, name)
        return cls._wrap(native, diagnostics, name)

    @property
    def name(self) -> str:
        """The name in the policy's header."""
        return self._native.name

    @property
    def version(self) -> Optional[int]:
        """``version N`` of the header, if declared."""
        return self._native.version

    @property
    def timezone(self) -> Optional[str]:
        """The header's timezone (an IANA name such as ``"Asia/Shanghai"``), if declared: naive
        instants and case timestamps without an offset are read in it."""
        return self._native.timezone

    @property
    def warnings(self) -> List[Diagnostic]:
        """Warnings found while checking (a policy with errors raises instead)."""
        return [Diagnostic._from_native(d) for d in self._native.warnings]

    def __repr__(self) -> str:
        version = "" if self.version is None else f" version {self.version}"
        return f"<covenant.Policy {self.name!r}{version}>"

    def evaluate(self, case: CaseInput, as_of: Instant) -> Dict[str, Any]:
        """Evaluates one case as of ``as_of``: events after it are not seen.

        ``case`` is a mapping of the shape of ``docs/cases.md`` (``id``, ``attributes``,
        ``events``; timestamps as RFC 3339 text or datetimes) or its JSON text. Returns the
        case's report, with exactly the keys and values of a case entry of ``covenant eval
        --format json``: ``case``, ``promises``, ``standards``, ``commitments``,
        ``escalations``, ``breaches``, ``actions``, ``warnings``.

        Raises :class:`CaseError` when the case cannot be read (the reason is the one ``covenant
        eval`` lists under ``rejected``), :class:`ValueError` for an unreadable ``as_of``, and
        :class:`TypeError` for a value that has no JSON form."""
        text = case if isinstance(case, str) else _dumps(case)
        report, rejected = self._native.evaluate_case(text, _instant_text(as_of))
        if rejected is not None or report is None:
            raise CaseError(*(rejected or ("<case>:1", None, "the case was not evaluated")))
        parsed: Dict[str, Any] = json.loads(report)
        return parsed

    def evaluate_events(
        self,
        events: Union[Iterable[EventInput], str],
        as_of: Instant,
        source: Optional[str] = None,
    ) -> Evaluation:
        """Evaluates a JSON Lines event stream of many cases as of ``as_of``.

        ``events`` is an iterable of events, each a mapping with a ``case`` field (the fields of
        a JSON Lines line, ``docs/cases.md``) or the JSON text of one line; an open text file of
        JSON Lines is such an iterable. A ``str`` is read as the whole text of a stream. Events
        are grouped into cases by ``case`` in any interleaving; every case is complete at the end
        of the iterable (``covenant eval --window 0``).

        Returns an :class:`Evaluation`: the case reports, the objectives per period, the
        rejected cases and lines, and the counts. A bad event rejects its case (or, when it
        names no case, itself), listed with its location ``SOURCE:N``, the N-th event; the other
        cases are evaluated. ``source`` names the stream there (default: the file's name for a
        file, else ``<events>``)."""
        if source is None:
            name = getattr(events, "name", None)
            source = name if isinstance(name, str) else "<events>"
        if isinstance(events, str):
            lines = [_line(line) for line in events.split("\n")]
        else:
            lines = [_line(event) if isinstance(event, str) else _dumps(event) for event in events]
        written = self._native.evaluate_lines(lines, source, _instant_text(as_of))
        del lines
        # One line per case, then the summary line (`covenant eval --format jsonl`); JSON text
        # has no other line break.
        *cases, last = written.rstrip("\n").split("\n")
        summary = json.loads(last)
        return Evaluation(
            as_of=summary["as_of"],
            policy=summary["policy"],
            cases=[json.loads(case) for case in cases],
            objectives=summary["objectives"],
            rejected=summary["rejected"],
            summary=summary["summary"],
        )
