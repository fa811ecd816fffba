"""Tables as passages: one line per row, each cell named by its column header.

Shared by every reader that sees a table (DOCX, PDF via pdfplumber, HTML): a row reads
``项目：…；标准：…；金额：…`` so a passage cut anywhere still says what each value is, and the chunker keeps
a row on one line (never split mid-row).
"""

from __future__ import annotations

from collections.abc import Sequence

CELL_JOIN = "；"
NAME_JOIN = "："


def _cell(s: str | None) -> str:
    return " ".join((s or "").split())


def format_row(header: Sequence[str | None], row: Sequence[str | None]) -> str:
    """``项目：研发补助；金额：50万元``. Cells without a header (or a row wider than it) stay bare;
    empty cells are left out."""
    parts: list[str] = []
    for i, value in enumerate(row):
        v = _cell(value)
        if not v:
            continue
        name = _cell(header[i]) if i < len(header) else ""
        parts.append(f"{name}{NAME_JOIN}{v}" if name and name != v else v)
    return CELL_JOIN.join(parts)
