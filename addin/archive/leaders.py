"""The 市级领导 list for the 市委's circulation (SPEC §3 city leaders; seed: 五大班子成员年度工作
目标完成情况由市委在一定范围内进行通报), from the latest published version: every person of a
``city_leaders`` level, with total and grade, on one A4 page. It is kept apart from the
circular (published to all) and from the units' notices: the 市委 circulates it.

Who is a 市级领导, and who is a district's Party secretary, is read from the published 说明
(the engine's notes, :data:`~addin.engine.staff.LEADER_NOTE`, :data:`~addin.engine.staff.OUTSIDE_NOTE`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from addin.archive.history import Entry
from addin.archive.pages import OFFICE, book, latest, print_setup
from addin.engine.staff import LEADER_NOTE, OUTSIDE_NOTE
from addin.workbook.atomic import write_atomically


def _notes(person: Entry) -> list[str]:
    return [part.strip() for part in (person.trace or "").split("；")]


def is_city_leader(person: Entry) -> bool:
    """A person of a 市级领导 level (``city_leaders``)."""
    return person.kind == "person" and LEADER_NOTE in _notes(person)


def is_outside(person: Entry) -> bool:
    """A district's Party secretary, outside the county-level assessment (no grade)."""
    return person.kind == "person" and OUTSIDE_NOTE in _notes(person)


def leader_list(master: Path, year: int, out: Path, dated: dt.date | None = None) -> Path | None:
    """The 市级领导 list (see the module docstring) written to ``out``, signed by the office
    and dated ``dated`` (today when None); None, and nothing written, when the published
    version has no 市级领导."""
    version, rows = latest(master, year)
    names = {r.code: r.name for r in rows if r.kind in ("department", "district")}
    leaders = sorted((r for r in rows if is_city_leader(r)), key=lambda r: (r.unit or "", r.code))
    if not leaders:
        return None
    dated = dated or dt.date.today()
    buf, wb, f = book()
    wb.set_properties({"title": f"{year}年度市级领导干部目标管理考核结果", "author": OFFICE,
                       "comments": f"考核档案 {year}年度 v{version}"})
    ws = wb.add_worksheet("市级领导")
    for col, width in enumerate((6, 12, 12, 20, 10, 10)):
        ws.set_column(col, col, width)
    ws.merge_range(0, 0, 0, 5, f"{year}年度市级领导干部目标管理考核结果", f["title"])
    ws.merge_range(1, 0, 1, 5, "（报市委，由市委在一定范围内通报；不占优秀和表彰限额，不参加表彰）", f["text"])
    for col, text in enumerate(("序号", "人员编码", "姓名", "单位", "总分", "等次")):
        ws.write(3, col, text, f["head"])
    for i, p in enumerate(leaders, start=1):
        ws.write_row(3 + i, 0, [i, p.code, p.name or "", names.get(p.unit or "", p.unit or "")], f["cell"])
        if p.score:  # a number shown at 2 places, as the circular shows scores
            ws.write_number(3 + i, 4, float(Decimal(p.score)), f["num"])
        else:
            ws.write(3 + i, 4, "—", f["cell"])
        ws.write(3 + i, 5, p.grade or "", f["cell"])
    foot = 5 + len(leaders)
    ws.merge_range(foot, 3, foot, 5, OFFICE, f["right"])
    ws.merge_range(foot + 1, 3, foot + 1, 5, f"{dated.year}年{dated.month}月{dated.day}日", f["right"])
    print_setup(ws)
    wb.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(out, buf.getvalue(), backup=False)
    return out
