"""Types of the extension module under :mod:`covenant` (internal: use :class:`covenant.Policy`)."""

from typing import List, Optional, Tuple

#: code, severity, message, file, line, column, help, notes (file, line, column, message), rendering
DiagnosticTuple = Tuple[
    str,
    str,
    str,
    Optional[str],
    Optional[int],
    Optional[int],
    Optional[str],
    List[Tuple[str, int, int, Optional[str]]],
    str,
]
#: location, case id, error
RejectedTuple = Tuple[str, Optional[str], str]
#: objective index, objective name, period, met, total
CountTuple = Tuple[int, str, str, int, int]

class Policy:
    """A checked policy compiled for evaluation."""

    @property
    def name(self) -> str: ...
    @property
    def version(self) -> Optional[int]: ...
    @property
    def timezone(self) -> Optional[str]: ...
    @property
    def warnings(self) -> List[DiagnosticTuple]: ...
    def read_instant(self, text: str) -> str:
        """The instant ``text`` (RFC 3339, or local in the policy's timezone) in UTC."""
    def evaluate_case(
        self, text: str, as_of: str
    ) -> Tuple[Optional[str], Optional[RejectedTuple]]:
        """The JSON text of one case's report, or its rejection."""
    def evaluate_lines(self, lines: List[str], source: str, as_of: str) -> str:
        """The report of a JSON Lines stream as ``covenant eval --format jsonl`` writes it."""
    def evaluate_groups(
        self,
        lines: List[str],
        numbers: List[int],
        offsets: List[int],
        source: str,
        as_of: str,
    ) -> Tuple[
        List[Optional[str]],
        List[Optional[str]],
        List[Optional[int]],
        List[Optional[int]],
        List[Optional[int]],
        List[Optional[str]],
        List[Optional[str]],
        List[List[CountTuple]],
    ]:
        """Rows of cases evaluated and rejected, one group of lines at a time."""
    def objective_line(
        self, index: int, period: str, met: int, total: int
    ) -> Tuple[str, float, str]:
        """An objective's name, rate and state for summed counts."""

def load(path: str, root: Optional[str] = None) -> Tuple[Optional[Policy], List[DiagnosticTuple]]:
    """Loads and checks a policy file whose imports lie inside ``root``."""

def parse(text: str, name: str) -> Tuple[Optional[Policy], List[DiagnosticTuple]]:
    """Checks policy text."""
