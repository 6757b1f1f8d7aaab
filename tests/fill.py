"""Fill built templates the way a clerk would (through the input cells), and wrap them
in mail messages: the test corpus for intake, built from real formats."""

from __future__ import annotations

import datetime as dt
import email.policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl


def fill(template: Path, values: dict[str, Any], out: Path, *, scoped: dict[tuple[str, str], Any] | None = None) -> Path:
    """Set input cells by defined name (KH_IN_…) and save as a clerk's Excel would."""
    wb = openpyxl.load_workbook(template)
    for name, value in values.items():
        dest = list(wb.defined_names[name].destinations)
        sheet, ref = dest[0]
        cells = wb[sheet][ref.replace("$", "")]
        if isinstance(cells, tuple):  # a range: fill down
            flat = [c for row in cells for c in (row if isinstance(row, tuple) else (row,))]
            for cell, v in zip(flat, value if isinstance(value, list) else [value]):
                cell.value = v
        else:
            cells.value = value
    for (sheet, name), value in (scoped or {}).items():
        ref = list(wb[sheet].defined_names[name].destinations)[0][1]
        wb[sheet][ref.replace("$", "")].value = value
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def eml(path: Path, attachments: list[tuple[str, bytes]], *, subject: str = "报送考核材料",
        sender: str = "clerk@example.gov.cn", date: dt.datetime | None = None) -> Path:
    msg = EmailMessage(policy=email.policy.default)
    msg["From"] = sender
    msg["To"] = "khb@example.gov.cn"
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(date or dt.datetime(2027, 1, 10, 9, 0, tzinfo=dt.UTC))
    msg.set_content("请查收。")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           filename=name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(msg.as_bytes())
    return path


APPENDIX1_FULL = {
    "KH_IN_附表1_1_6_value": 1.2, "KH_IN_附表1_1_6_note": "日常表现良好",
    "KH_IN_附表1_1_1_missed_meetings": 1,
}
