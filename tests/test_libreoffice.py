"""A real spreadsheet client: LibreOffice Calc, headless, opens every template kind and
prints it to PDF. The PDFs carry the title text, the expected number of pages and
embedded CJK fonts (the Chinese renders as glyphs, not boxes)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from test_templates import BOOKS, ROSTER
from workbook_templates.build import build_templates

TOOLS = ("soffice", "pdftotext", "pdfinfo", "pdffonts")


def require_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:  # `make test` installs them (the sysdeps target); a missing tool is a setup failure
        pytest.fail(f"missing {', '.join(missing)}: run `make test`, which installs LibreOffice, "
                    f"poppler-utils and fonts-noto-cjk")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory, municipal, audit):
    require_tools()
    out = tmp_path_factory.mktemp("lo")
    built = build_templates(out / "xlsx", municipal=municipal, audit=audit, roster=ROSTER, year=2026, books=BOOKS)
    chosen = {}
    for b in built:
        chosen.setdefault(b.identity.template_kind, b.path)
    pdf_dir = out / "pdf"
    profile = (out / "profile").as_uri()
    cmd = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "pdf",
           "--outdir", str(pdf_dir), *map(str, chosen.values())]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    return {kind: pdf_dir / (path.stem + ".pdf") for kind, path in chosen.items()}


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def pages_of(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


TITLES = {
    "appendix:附表1:departments": ("2026年度市直部门党风廉政建设考核评分表", 1),
    "appendix:附表1:districts": ("2026年度区(市)党风廉政建设考核评分表", 1),
    "appendix:附表2": ("2026年度市直部门党的建设考核评分表", 1),
    "appendix:附表3": ("2026年度市直部门精神文明建设考核评分表", 1),
    "appendix:附表4": ("2026年度市直部门招商引资考核评分表", 1),
    "appendix:附表4B": ("招商服务保障", 1),
    "appendix:附表5": ("2026年度区(市)经济目标考核评分表", 2),
    "appendix:附表6": ("2026年度区(市)社会目标考核评分表", 1),
    "appendix:附表7": ("2026年度区(市)党的建设考核评分表", 1),
    "appendix:附表8": ("2026年度区(市)思想政治工作考核评分表", 1),
    "appendix:附表9": ("2026年度区(市)招商引资考核评分表", 1),
    "target-book": ("2026年度市发展改革委目标管理责任书", 1),
    "scoring-sheet": ("2026年度综合口市直部门业务目标考核评分表", 1),
    "register": ("2026年度创新工作加分登记表", None),
    "staff-roster": ("2026年度市发展改革委工作人员目标管理考核名册", 1),
    "staff-form": ("2026年度机关工作人员目标管理考核表", 2),
    "audit-form:科室": ("2026年度审计机关目标管理考评考核评分表", 3),
    "audit-form:县市区局": ("2026年度审计机关目标管理考评考核评分表", 3),
    "master": ("2026年度目标管理考核汇总工作簿", None),
}


@pytest.mark.parametrize("kind", sorted(TITLES))
def test_libreoffice__prints_every_kind_with_title_and_pages(pdfs, kind):
    pdf = pdfs[kind]
    assert pdf.exists(), f"LibreOffice did not convert {kind}"
    title, pages = TITLES[kind]
    text = text_of(pdf)
    assert title in text.replace(" ", "")
    assert "#NAME" not in text and "Err:" not in text  # cached values shown, nothing recalculated
    if pages is not None:
        assert pages_of(pdf) == pages
    else:
        assert pages_of(pdf) >= 2


def test_libreoffice__chinese_glyphs_come_from_an_embedded_cjk_font(pdfs):
    for kind, pdf in pdfs.items():
        fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
        cjk = [line for line in fonts.splitlines() if "CJK" in line]
        assert cjk, f"{kind}: no CJK font in the PDF"
        assert all(" yes " in line for line in cjk), f"{kind}: CJK font not embedded"
        assert re.search(r"[\u4e00-\u9fff]{4}", text_of(pdf)), kind
