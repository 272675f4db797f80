"""Codes that lost their leading zeros in a spreadsheet («00004» → «4», «01001» → «1001»): a
spreadsheet opening a CSV reads a code as a number, and a file saved again carries it that way.
A code no unit has is taken as the one known code it equals zero-padded, when exactly one does,
with a warning naming the row, column and value; otherwise it stays unknown (the caller's error)."""

from __future__ import annotations

from collections.abc import Iterable

from dcmetrics.errors import Problem


class ZeroPadded:
    """Known codes by their digits without leading zeros (only codes that have some)."""

    def __init__(self, known: Iterable[str]):
        self.known = set(known)
        self.warned: set[str] = set()  # a code on many rows (the long layout) is named once, at its first row
        self.by_stripped: dict[str, list[str]] = {}
        for code in self.known:
            if code.isdigit() and code.startswith("0"):
                self.by_stripped.setdefault(code.lstrip("0") or "0", []).append(code)

    def restore(self, typed: str) -> str | None:
        """The one known code `typed` equals once zero-padded, or None (known as typed, not digits,
        itself starting with 0, no such code, or several: «4» for both «004» and «00004»)."""
        if not typed or typed in self.known or not typed.isdigit() or typed.startswith("0"):
            return None  # a spreadsheet drops every leading zero: «0004» was typed so, not stripped
        found = [c for c in self.by_stripped.get(typed.lstrip("0") or "0", []) if len(c) > len(typed)]
        return found[0] if len(found) == 1 else None


def warning(where: str, typed: str, code: str) -> Problem:
    return Problem(where, f"mã «{typed}» được hiểu là «{code}»: bảng tính đã bỏ số 0 ở đầu mã "
                          "(mở tệp CSV bằng Excel, LibreOffice); nên dùng mẫu Excel (.xlsx) để giữ nguyên mã", typed)


def take(typed: str, where: str, padded: ZeroPadded, warnings: list[Problem]) -> str:
    """`typed`, or the known code it stands for (a warning added); unchanged when ambiguous or none."""
    code = padded.restore(typed)
    if code is None:
        return typed
    if typed not in padded.warned:
        padded.warned.add(typed)
        warnings.append(warning(where, typed, code))
    return code
