"""Template benchmark: build every template for 200 units, and compare one workbook
built with xlsxwriter (ours) against the same workbook built with openpyxl.

Run: .venv/bin/python bench/template_bench.py   (KAOHE_BENCH_SIZE=tiny: 10 units, see bench/size.py)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from size import choose_size  # noqa: E402

from addin.office.roster import Roster, RosterUnit  # noqa: E402
from addin.scheme import load_audit, load_municipal  # noqa: E402
from workbook_templates.build import build_templates  # noqa: E402


def roster_of(departments: int = 170, districts: int = 10, audited: int = 20) -> Roster:
    """200 units by default: 170 departments in 17 groups, 10 districts and 20 audit units
    (12 科室, the rest 县市区局)."""
    units = [RosterUnit(f"B{i:03d}", f"部门{i}", "部门", f"第{i % 17 + 1}口") for i in range(departments)]
    units += [RosterUnit(f"Q{i:02d}", f"区{i}", "区市") for i in range(districts)]
    units += [RosterUnit(f"S{i:02d}", f"审计单位{i}", "科室" if i < audited * 3 // 5 else "县市区局")
              for i in range(audited)]
    return Roster(units)


def openpyxl_appendix(path: Path, table, unit_name: str, year: int) -> None:
    """Baseline: the 附表 form built with openpyxl: the same cells, merges, styles,
    validations, names and protection."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    from workbook_templates.appendix import HEADERS, initial_inputs

    wb = Workbook()
    ws = wb.active
    ws.title = table.id
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    fill = PatternFill("solid", fgColor="FFF2CC")
    ws["A1"] = table.id
    ws.merge_cells("A2:H2")
    ws["A2"] = f"{year}年度{table.title}考核评分表"
    ws["A2"].font = Font(name="黑体", size=16, bold=True)
    ws["A3"] = f"填报单位：{unit_name}"
    for col, (text, width) in enumerate(HEADERS, start=1):
        cell = ws.cell(7, col, text)
        cell.border = border
        ws.column_dimensions[cell.column_letter].width = width
    row = 8
    for item in table.items:
        specs = item.inputs()
        raw = initial_inputs(item)
        top = row
        cells = []
        for spec in specs:
            ws.cell(row, 5, spec.label).border = border
            c = ws.cell(row, 6, raw[spec.name])
            c.fill, c.border, c.protection = fill, border, Protection(locked=False)
            dv = DataValidation(type="list" if spec.type == "flag" else "decimal",
                                formula1='"是,否"' if spec.type == "flag" else "0", formula2=None
                                if spec.type == "flag" else "100", promptTitle=spec.label[:32], prompt="请填写",
                                errorTitle="输入有误", error="超出范围")
            dv.add(c)
            ws.add_data_validation(dv)
            wb.defined_names[f"KH_IN_{item.id.replace('.', '_')}_{spec.name}"] = DefinedName(
                f"KH_IN_{item.id.replace('.', '_')}_{spec.name}", attr_text=f"'{table.id}'!$F${row}")
            cells.append(f"F{row}")
            row += 1
        for col, value in ((1, item.id), (2, item.name), (3, float(item.points)), (4, item.standard)):
            ws.cell(top, col, value).alignment = Alignment(wrap_text=True, vertical="center")
            if row - 1 > top:
                ws.merge_cells(start_row=top, start_column=col, end_row=row - 1, end_column=col)
        ws.cell(top, 7, f'=ITEM_SCORE("{table.id}:{item.id}",{",".join(cells)})')
        ws.cell(top, 8, f'=EXPLAIN("{table.id}:{item.id}",{",".join(cells)})')
    ws.protection.sheet = True
    ws.page_setup.paperSize = 9
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "7:7"
    ws.freeze_panes = "A8"
    meta = wb.create_sheet("_kaohe")
    meta.append(["key", "value"])
    meta.sheet_state = "veryHidden"
    wb.save(path)


def main() -> None:
    municipal, audit = load_municipal(), load_audit()
    shape = choose_size((170, 10, 20), (6, 2, 2))
    roster = roster_of(*shape)
    runs = []
    count = 0
    for _ in range(choose_size(3, 1)):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            built = build_templates(Path(tmp), municipal=municipal, audit=audit, roster=roster, year=2026)
            runs.append(time.perf_counter() - t0)
            count = len(built)
    total = statistics.median(runs)

    table = municipal.table("附表1")
    ours, base = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(choose_size(40, 2)):
            t0 = time.perf_counter()
            build_templates(Path(tmp) / f"x{i}", municipal=municipal, audit=audit, roster=Roster([roster.units[0]]),
                            year=2026, kinds=["appendix"])
            ours.append((time.perf_counter() - t0) / 5)  # a department gets 5 appendix tables
            t0 = time.perf_counter()
            openpyxl_appendix(Path(tmp) / f"o{i}.xlsx", table, "部门0", 2026)
            base.append(time.perf_counter() - t0)
    mine, theirs = statistics.median(ours), statistics.median(base)
    print("kaohe template benchmark")
    print(f"  all kinds for {sum(shape)} units ({shape[0]} departments, {shape[1]} districts, {shape[2]} audit units): "
          f"{count} workbooks in {total:.2f} s (median of {len(runs)}) = {total / count * 1000:.1f} ms per workbook "
          f"(target ≤ 3 s, about 10 ms per workbook)")
    print(f"  one appendix workbook: xlsxwriter (ours) {mine * 1000:.1f} ms, openpyxl baseline {theirs * 1000:.1f} ms, "
          f"ratio {theirs / mine:.1f}×")


if __name__ == "__main__":
    main()
