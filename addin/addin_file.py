"""The Excel add-in ``kaohe.xlam``, built from xlwings' own ribbon template.

``xlwings quickstart NAME --addin --ribbon`` copies ``quickstart_addin_ribbon.xlam`` from
the installed xlwings; we take the same file and patch two parts at the zip level: the
ribbon XML (a 目标考核 tab with one large 重新计算排名 button) and the add-in's config
sheet (UDF modules, no workbook folder on the Python path, the interpreter). Every other
part, the VBA project above all, is copied byte for byte. The template's button callback
runs ``import <file stem>; <file stem>.main()``, hence the file name ``kaohe.xlam`` and the
top-level module :mod:`kaohe`.
"""

from __future__ import annotations

import os
import re
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from addin.errors import KaoheError
from addin.workbook.identity import ADDIN_FILE

CONFIG_SHEET_PART = "xl/worksheets/sheet1.xml"
WORKBOOK_PART = "xl/workbook.xml"
RIBBON_PART = "customUI/customUI.xml"
CALLBACK = "RibbonMyAddin.RunMain"

RIBBON = f"""<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">
    <ribbon>
        <tabs>
            <tab id="kaoheTab" label="目标考核">
                <group id="kaoheGroup" label="考核">
                    <button id="kaoheRecompute" label="重新计算排名" size="large" onAction="{CALLBACK}"
                            imageMso="CalculateNow" screentip="重新计算排名"
                            supertip="读取本工作簿的“部门”“区市”“人员”“加分登记”表，计算综合得分、名次、先进集体、人员等次与预警，结果写入结果表。" />
                </group>
            </tab>
        </tabs>
    </ribbon>
</customUI>
"""


def template_path() -> Path:
    import xlwings

    return Path(xlwings.__file__).parent / "quickstart_addin_ribbon.xlam"


CONFIG_SHEET = "myaddin.conf"
"""The add-in's config sheet as xlwings' VBA looks it up: ``PROJECT_NAME & ".conf"`` with
``PROJECT_NAME = "myaddin"`` in the ribbon template. The template ships it as
``_myaddin.conf``, which xlwings ignores until it is renamed (xlwings' custom add-in docs:
"Activate the sheet config by renaming it from _myaddin.conf to myaddin.conf")."""


def config_values(interpreter: str = "") -> dict[str, object]:
    """Every setting xlwings' VBA reads that chooses a program, a path or code to run, in the
    order written (key in column A, value in column B, one unbroken block from A1).

    ``GetConfig`` looks in the active workbook's ``myaddin.conf`` sheet, then in this add-in's
    sheet, then in a ``myaddin.conf`` file beside the active workbook, then in the user's
    file. A key present here, even blank, ends the search before the files, so a file saved
    beside an emailed workbook cannot change these. The active workbook's own sheet comes
    first and xlwings offers no way to skip it (see README, the add-in's risks)."""
    return {
        "Interpreter_Win": interpreter,
        "Interpreter_Mac": "",
        "Interpreter": "pythonw",
        "Conda Path": "",
        "Conda Env": "",
        "PYTHONPATH": "",
        "ADD_WORKBOOK_TO_PYTHONPATH": False,
        "UDF Modules": "udfs",
        "Debug UDFs": False,
        "Use UDF Server": False,
        "Show Console": False,
        "ONEDRIVE_CONSUMER_WIN": "",
        "ONEDRIVE_COMMERCIAL_WIN": "",
        "SHAREPOINT_WIN": "",
        "ONEDRIVE_CONSUMER_MAC": "",
        "ONEDRIVE_COMMERCIAL_MAC": "",
        "SHAREPOINT_MAC": "",
        "LICENSE_KEY": "",
        "TEMP DIR": "%TEMP%",
    }


def _cell(ref: str, value: object) -> str:
    if isinstance(value, bool):
        return f'<c r="{ref}" s="1" t="b"><v>{int(value)}</v></c>'
    return f'<c r="{ref}" s="1" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def patch_config(sheet_xml: str, values: dict[str, object]) -> str:
    """The config sheet's cells replaced by one unbroken block of keys from A1 (xlwings'
    ``GetConfigFromSheet`` reads ``Range("A1").End(xlDown)``: a key after a blank row is
    never read)."""
    rows = "".join(f'<row r="{r}" spans="1:2">{_cell(f"A{r}", key)}{_cell(f"B{r}", value)}</row>'
                   for r, (key, value) in enumerate(values.items(), start=1))
    sheet_xml = re.sub(r"<sheetData\b[^>]*/>|<sheetData\b[^>]*>.*?</sheetData>", lambda _: f"<sheetData>{rows}</sheetData>",
                       sheet_xml, flags=re.S)
    return re.sub(r'<dimension ref="[^"]+"', f'<dimension ref="A1:B{len(values)}"', sheet_xml)


def activate_config_sheet(workbook_xml: str) -> str:
    return workbook_xml.replace('name="_myaddin.conf"', f'name="{CONFIG_SHEET}"')


def build_addin(out_dir: Path, interpreter: str = "", template: Path | None = None) -> Path:
    """Write ``kaohe.xlam`` into ``out_dir`` (atomically) and return its path."""
    template = template or template_path()
    if not template.is_file():
        raise KaoheError(f"找不到 xlwings 的加载项模板 {template} [xlwings' ribbon add-in template not found]")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / ADDIN_FILE
    tmp = target.with_suffix(".xlam.part")
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(tmp, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == RIBBON_PART:
                data = RIBBON.encode("utf-8")
            elif info.filename == CONFIG_SHEET_PART:
                data = patch_config(data.decode("utf-8"), config_values(interpreter)).encode("utf-8")
            elif info.filename == WORKBOOK_PART:
                data = activate_config_sheet(data.decode("utf-8")).encode("utf-8")
            dst.writestr(info, data)
    os.replace(tmp, target)
    return target


def xlstart_folder() -> Path:
    return Path(os.environ.get("APPDATA", "")) / "Microsoft" / "Excel" / "XLSTART"


INSTALL_STEPS = """安装步骤（Windows） [installation steps, Windows]:
  1. 生成加载项 kaohe.xlam，并在配置页写入本机 Python 解释器路径；
  2. 复制到 Excel 启动文件夹 XLSTART（%APPDATA%\\Microsoft\\Excel\\XLSTART），Excel 每次启动自动加载；
  3. 导入公式：通过 xlwings 运行加载项中的 ImportPythonUDFsToAddin，生成 =ASSESS_COMPOSITE() 等工作表函数。
     这一步需要启用 Excel 的“信任对 VBA 工程对象模型的访问”，程序会先征得您的同意。"""


def install(interpreter: str | None = None, ask=input, say=print) -> Path | None:
    """Install on Windows; elsewhere explain what it would do and stop."""
    if not sys.platform.startswith("win"):
        say(INSTALL_STEPS)
        say("当前系统不是 Windows，未做任何更改 [not Windows: nothing was changed].")
        return None
    interpreter = interpreter or sys.executable.replace("python.exe", "pythonw.exe")
    target = build_addin(xlstart_folder(), interpreter)
    say(f"已安装加载项 [installed]: {target}")
    say("导入公式需要启用“信任对 VBA 工程对象模型的访问”：它允许程序把公式的 VBA 包装代码写入 kaohe.xlam。"
        "导入完成后可在 Excel 的“文件 → 选项 → 信任中心”中关闭。")
    if ask("是否现在启用并导入公式？(y/N) ").strip().lower() not in ("y", "yes", "是"):
        say("已跳过导入公式；稍后可重新运行 kaohe addin install [skipped importing the formulas].")
        return target
    _enable_vbom()
    _import_udfs(target)
    say("公式已导入。请在 Excel 单元格中输入 =AWARD_QUOTA(23)，结果应为 2 [formulas imported].")
    return target


def _enable_vbom() -> None:  # pragma: no cover - Windows only
    import winreg

    for version in ("16.0", "15.0"):
        key = rf"Software\Microsoft\Office\{version}\Excel\Security"
        try:
            with winreg.CreateKey(winreg.HKEY_CURRENT_USER, key) as handle:
                winreg.SetValueEx(handle, "AccessVBOM", 0, winreg.REG_DWORD, 1)
        except OSError:
            continue


def _import_udfs(addin_path: Path) -> None:  # pragma: no cover - Windows only
    import xlwings as xw
    from xlwings.udfs import import_udfs

    app = xw.App(visible=False)
    try:
        book = app.books.open(str(addin_path))
        import_udfs("udfs", book.api)
        book.save()
    finally:
        app.quit()
