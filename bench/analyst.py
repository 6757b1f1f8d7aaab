"""The honest end-to-end baseline for `kaohe recompute`: the pandas script a competent
analyst would write over the same master workbook, in the same process as our run.

It reads the master's three input sheets with calamine, scores (department composite,
staff total with the completion weight, both rounded half-up in whole cents so the
comparison is fair), ranks within groups (部门 within 分口, staff within unit and level),
selects under the quotas (10% of each 分口, 15% excellent per unit and level, the 90-point
line, no complaint), grades by the lines and writes the two result sheets with
``to_excel`` to a results workbook beside the master.

It has no validation, no located problems, no vetoes, no head links, no 待定 and no
traces, so kaohe does strictly more work.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def _half_up_cents(x: pd.Series) -> pd.Series:
    return np.floor(x * 100 + 0.5 + 1e-9).astype("int64")


def analyst_recompute(master: Path, out: Path, engine: str = "openpyxl", weight: float = 0.7) -> tuple[int, int]:
    """(departments, staff graded 优秀). ``engine`` is the ``to_excel`` writer: openpyxl
    (the script measured in issue 16) or xlsxwriter (pandas' pick when it is installed)."""
    sheets = pd.read_excel(master, sheet_name=["部门", "人员"], engine="calamine")
    dept, staff = sheets["部门"], sheets["人员"]

    parts = [c for c in dept.columns[3:8]]
    dept["综合得分"] = _half_up_cents(dept[parts].sum(axis=1) - dept["通报批评次数"].fillna(0) * 0.5) / 100
    dept["口内名次"] = dept.groupby("分口")["综合得分"].rank(method="min", ascending=False).astype(int)
    size = dept.groupby("分口")["综合得分"].transform("size")
    dept["先进集体"] = np.where(dept["口内名次"] <= np.floor(size * 0.1 + 0.5), "是", "否")

    staff["总分"] = _half_up_cents(staff["民主测评"] + weight * (staff["业务目标"] + staff["公共目标"])) / 100
    groups = staff.groupby(["单位编码", "层级"])["总分"]
    staff["名次"] = groups.rank(method="dense", ascending=False).astype(int)
    quota = np.floor(groups.transform("size") * 0.15 + 0.5)
    ok = (staff["总分"] >= 90) & (staff["投诉或违纪"] != "是")
    place = staff[ok].groupby(["单位编码", "层级"])["总分"].rank(method="min", ascending=False)
    staff["等次"] = np.select([staff["总分"] >= 75, staff["总分"] >= 60], ["称职", "基本称职"], "不称职")
    staff.loc[place.index[place <= quota[place.index]], "等次"] = "优秀"

    with pd.ExcelWriter(out, engine=engine) as writer:
        dept[["单位编码", "单位名称", "分口", "综合得分", "口内名次", "先进集体"]].to_excel(
            writer, sheet_name="部门排名", index=False)
        staff[["人员编码", "姓名", "单位编码", "总分", "名次", "等次"]].to_excel(
            writer, sheet_name="人员等次", index=False)
    return len(dept), int((staff["等次"] == "优秀").sum())
