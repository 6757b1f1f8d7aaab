"""Drive a real LibreOffice Calc through its UNO API (run with the system python that has
Debian's ``python3-uno``; it imports nothing of kaohe).

Reads a JSON job list on stdin, one job per workbook::

    [{"src": "in.xlsx", "out": "out.xlsx", "values": {"KH_IN_…": 1, …},
      "read": ["KH_OUT_…", …]}]

For each job it opens ``src``, types every value into the cells of its defined name
(a list fills a column range top to bottom), recalculates, reads the cells named in
``read`` and saves ``out`` with LibreOffice's own xlsx filter ("Calc MS Excel 2007 XML").
Prints a JSON list with what was read, per job, on stdout.

Optional keys of a job:

- ``cases``: ``[{"sheet": "附表1", "set": [["F8", 3], ["F9", "否"]], "read": ["G8", "G21"]}]``:
  one after another, type the values (None clears a cell), recalculate, read the cells
  (the differential tests of native formulas: many input sets through one document);
- ``scan_errors``: list every formula cell, on every sheet, whose result is an error;
- ``pdf``: export the document as PDF (the README's screenshot).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(profile: Path):
    pipe = f"kaohe_{os.getpid()}"
    proc = subprocess.Popen(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
                             "--norestore", "--nologo", "--nodefault", f"--accept=pipe,name={pipe};urp;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.time() + 90
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise SystemExit("LibreOffice did not start")
            time.sleep(0.3)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    return proc, desktop


def cells_of(doc, name: str):
    """The cells of a workbook-scoped defined name, top to bottom."""
    ranges = doc.NamedRanges
    if not ranges.hasByName(name):
        raise KeyError(name)
    area = ranges.getByName(name).getReferredCells()
    addr = area.getRangeAddress()
    return [area.getCellByPosition(c, r) for r in range(addr.EndRow - addr.StartRow + 1)
            for c in range(addr.EndColumn - addr.StartColumn + 1)]


def type_value(cell, value) -> None:
    if value is None:
        cell.setString("")
    elif isinstance(value, bool):
        cell.setValue(1 if value else 0)
    elif isinstance(value, (int, float)):
        cell.setValue(value)
    elif isinstance(value, dict):  # {"typed": "2026-06-03"}: what a clerk types, parsed by Calc
        cell.setFormula(value["typed"])
    else:
        cell.setString(str(value))  # typed text, as a clerk types 是/否 or a note


def read_cell(cell):
    from com.sun.star.table.CellContentType import FORMULA, TEXT, VALUE

    kind = cell.getType()
    if kind == FORMULA:
        if cell.getError():
            return {"error": cell.getError(), "text": cell.getString()}
        # FormulaResultType2: 1 VALUE, 2 TEXT (com.sun.star.sheet.FormulaResult)
        return cell.getValue() if cell.FormulaResultType2 == 1 else cell.getString()
    if kind == VALUE:
        return cell.getValue()
    if kind == TEXT:
        return cell.getString()
    return None


def read_address(sheet, address: str):
    area = sheet.getCellRangeByName(address)
    cell = area.getCellByPosition(0, 0)
    if cell.getError():
        return {"error": cell.getError(), "text": cell.getString()}
    return area.getDataArray()[0][0]


def run_cases(doc, cases: list[dict]) -> list[list]:
    # automatic calculation on: each typed value recalculates only its dependents, which
    # is faster here than one calculate() per case
    sheets, ranges, out = {}, {}, []
    for case in cases:
        name = case["sheet"]
        if name not in sheets:
            sheets[name] = doc.Sheets.getByName(name)
        sheet = sheets[name]
        for address, value in case["set"]:
            key = (name, address)
            if key not in ranges:
                ranges[key] = sheet.getCellRangeByName(address).getCellByPosition(0, 0)
            type_value(ranges[key], value)
        out.append([read_address(sheet, a) for a in case["read"]])
    return out


def scan_errors(doc) -> list[dict]:
    """Every formula cell whose result is an error (FormulaResult ERROR = 4)."""
    found = []
    for i in range(doc.Sheets.getCount()):
        sheet = doc.Sheets.getByIndex(i)
        cells = sheet.queryFormulaCells(4)
        for k in range(cells.getCount()):
            area = cells.getByIndex(k)
            addr = area.getRangeAddress()
            for r in range(addr.StartRow, addr.EndRow + 1):
                for c in range(addr.StartColumn, addr.EndColumn + 1):
                    cell = sheet.getCellByPosition(c, r)
                    found.append({"sheet": sheet.getName(), "row": r + 1, "col": c + 1, "error": cell.getError(),
                                  "formula": cell.getFormula()})
    return found


def run(jobs: list[dict]) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        proc, desktop = connect(Path(tmp) / "profile")
        results = []
        try:
            for job in jobs:
                url = uno.systemPathToFileUrl(str(Path(job["src"]).resolve()))
                doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
                try:
                    for name, value in job.get("values", {}).items():
                        cells = cells_of(doc, name)
                        values = value if isinstance(value, list) else [value]
                        for cell, v in zip(cells, values):
                            type_value(cell, v)
                    doc.calculateAll()
                    read = {name: [read_cell(c) for c in cells_of(doc, name)] for name in job.get("read", [])}
                    result = {"read": read}
                    if job.get("cases"):
                        result["cases"] = run_cases(doc, job["cases"])
                    if job.get("scan_errors"):
                        result["errors"] = scan_errors(doc)
                    if job.get("out"):
                        out = uno.systemPathToFileUrl(str(Path(job["out"]).resolve()))
                        doc.storeToURL(out, (prop("FilterName", "Calc MS Excel 2007 XML"),))
                    if job.get("pdf"):
                        pdf = uno.systemPathToFileUrl(str(Path(job["pdf"]).resolve()))
                        doc.storeToURL(pdf, (prop("FilterName", "calc_pdf_Export"),))
                    results.append(result)
                finally:
                    doc.close(True)
        finally:
            try:
                desktop.terminate()
            except Exception:  # the bridge drops when soffice exits
                pass
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        return results


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout, ensure_ascii=False)
