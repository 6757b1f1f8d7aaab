"""Rewrite an .xlsx the way other spreadsheet programs save it, at the XML level, from
ECMA-376 (Part 1 for SpreadsheetML, Part 2 for the package). Used to build Excel-, WPS-
and Strict-shaped copies of a filled template. Independent of kaohe's reader: the shared
formula groups are found through an R1C1 form computed here, as Excel groups a fill-down.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_DOC_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"

Parts = dict[str, bytes]


def unpack(data: bytes) -> Parts:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def pack(parts: Parts) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(parts, key=lambda n: (n != "[Content_Types].xml", n)):
            z.writestr(name, parts[name])
    return buf.getvalue()


def rewrite(data: bytes, *steps: Callable[[Parts], None]) -> bytes:
    parts = unpack(data)
    for step in steps:
        step(parts)
    return pack(parts)


def sheets(parts: Parts) -> list[str]:
    return sorted(n for n in parts if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))


def _edit(parts: Parts, name: str, fn: Callable[[str], str]) -> None:
    parts[name] = fn(parts[name].decode("utf-8")).encode("utf-8")


# --- cells ------------------------------------------------------------------------------

_C = re.compile(r"<c\b([^>]*?)(/>|>(.*?)</c>)", re.S)


def _attrs(text: str) -> dict[str, str]:
    return dict(re.findall(r'([\w:]+)="([^"]*)"', text))


def _cell(attrs: dict[str, str], inner: str | None) -> str:
    head = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f"<c{head}/>" if inner is None else f"<c{head}>{inner}</c>"


def _col_num(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


_REF = re.compile(r"(?<![\w.$])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![\w(!])")
_STRING = re.compile(r'"(?:[^"]|"")*"')


def outside_strings(formula: str, fn) -> str:
    """``fn`` applied to every part of a formula outside its string literals."""
    out, last = [], 0
    for m in _STRING.finditer(formula):
        out.append(fn(formula[last:m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(fn(formula[last:]))
    return "".join(out)


def r1c1(formula: str, row: int, col: int) -> str:
    """The formula in R1C1 form relative to (row, col): a fill-down has one R1C1 text."""
    return outside_strings(formula, lambda text: _r1c1_refs(text, row, col))


def _r1c1_refs(text: str, row: int, col: int) -> str:
    def sub(m):
        ca, c, ra, r = m.groups()
        rr = f"R{r}" if ra else f"R[{int(r) - row}]"
        cc = f"C{_col_num(c)}" if ca else f"C[{_col_num(c) - col}]"
        return rr + cc

    return _REF.sub(sub, text)


def share_formulas(parts: Parts) -> None:
    """Group each column's run of fill-down formulas (identical R1C1 text) into one
    shared formula (§18.3.1.40): the anchor keeps the text with ``t="shared" ref si``,
    the others keep only ``t="shared" si``."""
    for name in sheets(parts):
        text = parts[name].decode("utf-8")
        found = []  # (col, row, r1c1, match)
        for m in _C.finditer(text):
            attrs, inner = _attrs(m.group(1)), m.group(3) or ""
            f = re.search(r"<f>(.*?)</f>", inner, re.S)
            if not f:
                continue
            ref = re.fullmatch(r"([A-Z]+)(\d+)", attrs["r"])
            col, row = _col_num(ref.group(1)), int(ref.group(2))
            found.append((col, row, r1c1(_unescape(f.group(1)), row, col), m, ref.group(1)))
        groups: list[list] = []
        for item in sorted(found, key=lambda x: (x[0], x[1])):
            g = groups[-1] if groups else None
            if g and g[-1][0] == item[0] and g[-1][1] + 1 == item[1] and g[-1][2] == item[2]:
                g.append(item)
            else:
                groups.append([item])
        replace: dict[int, str] = {}
        si = 0
        for g in groups:
            if len(g) < 2:
                continue
            first, last = g[0], g[-1]
            span = f"{first[4]}{first[1]}:{last[4]}{last[1]}"
            for k, (_c, _r, _x, m, _l) in enumerate(g):
                inner = m.group(3)
                if k == 0:
                    inner = re.sub(r"<f>", f'<f t="shared" ref="{span}" si="{si}">', inner, count=1)
                else:
                    inner = re.sub(r"<f>.*?</f>", f'<f t="shared" si="{si}"/>', inner, count=1, flags=re.S)
                replace[m.start()] = _cell(_attrs(m.group(1)), inner)
            si += 1
        if not replace:
            continue
        out, last = [], 0
        for m in _C.finditer(text):
            if m.start() in replace:
                out.append(text[last:m.start()])
                out.append(replace[m.start()])
                last = m.end()
        out.append(text[last:])
        parts[name] = "".join(out).encode("utf-8")


def _unescape(text: str) -> str:
    return text.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def prefix_functions(parts: Parts, udf_prefix: str = "_xludf.", native_prefix: str = "_xlfn.",
                     addin: tuple[str, ...] = ("ITEM_SCORE", "EXPLAIN", "DEMOCRATIC_SCORE", "STAFF_TOTAL",
                                               "STAFF_GRADE")) -> None:
    """Excel's future-function and user-defined-function prefixes before function names."""
    def fix(formula: str) -> str:
        return outside_strings(formula, _prefix)

    def _prefix(text: str) -> str:
        def sub(m):
            name = m.group(1)
            return (udf_prefix if name in addin else native_prefix) + name + "("
        return re.sub(r"(?<![\w.])([A-Z][A-Z0-9_.]*)\(", sub, text)

    for name in sheets(parts):
        _edit(parts, name, lambda t: re.sub(r"(<f\b[^>]*>)(.*?)(</f>)",
                                            lambda m: m.group(1) + _escape(fix(_unescape(m.group(2)))) + m.group(3),
                                            t, flags=re.S))


def inline_strings(parts: Parts) -> None:
    """Every shared-string cell becomes an inline string; the shared-string part goes."""
    path = "xl/sharedStrings.xml"
    if path not in parts:
        return
    table = [
        "".join(re.findall(r"<t[^>]*>(.*?)</t>", si, re.S))
        for si in re.findall(r"<si>(.*?)</si>", parts[path].decode("utf-8"), re.S)
    ]

    def sub(m):
        attrs, inner = _attrs(m.group(1)), m.group(3)
        if attrs.get("t") != "s" or inner is None:
            return m.group(0)
        index = int(re.search(r"<v>(\d+)</v>", inner).group(1))
        attrs["t"] = "inlineStr"
        return _cell(attrs, f'<is><t xml:space="preserve">{table[index]}</t></is>')

    for name in sheets(parts):
        _edit(parts, name, lambda t: _C.sub(sub, t))
    del parts[path]
    _edit(parts, "xl/_rels/workbook.xml.rels", lambda t: re.sub(r"<Relationship [^>]*sharedStrings[^>]*/>", "", t))
    _edit(parts, "[Content_Types].xml", lambda t: re.sub(r"<Override [^>]*sharedStrings[^>]*/>", "", t))


def cached_errors(parts: Parts, error: str = "#NAME?") -> None:
    """Every formula cell caches an error, as Excel without the add-in saves it."""
    def sub(m):
        attrs, inner = _attrs(m.group(1)), m.group(3)
        if inner is None or "<f" not in inner:
            return m.group(0)
        attrs["t"] = "e"
        f = re.search(r"<f\b.*?(?:</f>|/>)", inner, re.S).group(0)
        return _cell(attrs, f + f"<v>{error}</v>")

    for name in sheets(parts):
        _edit(parts, name, lambda t: _C.sub(sub, t))


def cached_value(sheet: str, cell: str, value: str) -> Callable[[Parts], None]:
    """A step: the formula cell ``cell`` of ``sheet`` (a part name) caches ``value``, as a
    client that computed something else saves it."""
    def step(parts: Parts) -> None:
        def sub(m):
            attrs, inner = _attrs(m.group(1)), m.group(3)
            if attrs.get("r") != cell or inner is None or "<f" not in inner:
                return m.group(0)
            attrs.pop("t", None)
            f = re.search(r"<f\b.*?(?:</f>|/>)", inner, re.S).group(0)
            return _cell(attrs, f + f"<v>{value}</v>")

        _edit(parts, sheet, lambda t: _C.sub(sub, t))
    return step


def shared_string(old: str, new: str) -> Callable[[Parts], None]:
    """A step: every shared string ``old`` reads ``new`` (a value edited by hand)."""
    def step(parts: Parts) -> None:
        _edit(parts, "xl/sharedStrings.xml", lambda t: t.replace(f">{old}<", f">{new}<"))
    return step


def calc_chain(parts: Parts) -> None:
    """Add a calculation chain (§18.6) listing every formula cell, as Excel writes one."""
    entries = []
    for i, name in enumerate(sheets(parts), start=1):
        for m in _C.finditer(parts[name].decode("utf-8")):
            if m.group(3) and "<f" in m.group(3):
                entries.append(f'<c r="{_attrs(m.group(1))["r"]}" i="{i}"/>')
    parts["xl/calcChain.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                 f'<calcChain xmlns="{MAIN}">{"".join(entries)}</calcChain>').encode()
    _edit(parts, "xl/_rels/workbook.xml.rels", lambda t: t.replace(
        "</Relationships>", f'<Relationship Id="rIdCalc" Type="{DOC_REL}/calcChain" Target="calcChain.xml"/>'
                            "</Relationships>"))
    _edit(parts, "[Content_Types].xml", lambda t: t.replace("</Types>", '<Override PartName="/xl/calcChain.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>'))


def no_calc_chain(parts: Parts) -> None:
    parts.pop("xl/calcChain.xml", None)
    _edit(parts, "xl/_rels/workbook.xml.rels", lambda t: re.sub(r"<Relationship [^>]*calcChain[^>]*/>", "", t))
    _edit(parts, "[Content_Types].xml", lambda t: re.sub(r"<Override [^>]*calcChain[^>]*/>", "", t))


def understated_dimension(parts: Parts) -> None:
    for name in sheets(parts):
        _edit(parts, name, lambda t: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:A1"/>', t))


def prefixed_namespace(parts: Parts, prefix: str = "x") -> None:
    """SpreadsheetML elements written with a prefix (``<x:worksheet xmlns:x=…>``)."""
    def fix(text: str) -> str:
        text = text.replace(f'xmlns="{MAIN}"', f'xmlns:{prefix}="{MAIN}"', 1)
        return re.sub(r"<(/?)([A-Za-z][\w.]*)(?=[\s/>])", rf"<\1{prefix}:\2", text)

    for name in [*sheets(parts), "xl/workbook.xml", "xl/styles.xml", "xl/sharedStrings.xml"]:
        if name in parts:
            body = parts[name].decode("utf-8")
            head, sep, rest = body.partition("?>")
            parts[name] = ((head + sep + fix(rest)) if sep else fix(body)).encode("utf-8")


def strict_namespaces(parts: Parts) -> None:
    """Strict OOXML (ISO/IEC 29500 Strict): other namespaces for SpreadsheetML and for the
    office document's relationships; the package's own (OPC) namespaces are unchanged."""
    for name in list(parts):
        if name.endswith((".xml", ".rels")):
            _edit(parts, name, lambda t: t.replace(MAIN, STRICT_MAIN).replace(DOC_REL, STRICT_DOC_REL))


def wps_cell_images(parts: Parts) -> None:
    """WPS's extra part for pictures in cells."""
    parts["xl/cellimages.xml"] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                  b'<etc:cellImages xmlns:etc="http://www.wps.cn/officeDocument/2017/etCustomData"/>')
    _edit(parts, "xl/_rels/workbook.xml.rels", lambda t: t.replace(
        "</Relationships>", '<Relationship Id="rIdImg" Type="http://www.wps.cn/officeDocument/2020/cellImage" '
                            'Target="cellimages.xml"/></Relationships>'))
    _edit(parts, "[Content_Types].xml", lambda t: t.replace("</Types>", '<Override PartName="/xl/cellimages.xml" '
        'ContentType="application/vnd.wps-officedocument.cellimage+xml"/></Types>'))


def hidden_metadata(parts: Parts) -> None:
    _edit(parts, "xl/workbook.xml", lambda t: t.replace('state="veryHidden"', 'state="hidden"'))


def renumber_styles(parts: Parts) -> None:
    """Reverse the order of the cell formats (cellXfs) and renumber every cell's ``s``."""
    styles = parts["xl/styles.xml"].decode("utf-8")
    m = re.search(r"(<cellXfs[^>]*>)(.*?)(</cellXfs>)", styles, re.S)
    xfs = re.findall(r"<xf\b[^>]*/>|<xf\b[^>]*>.*?</xf>", m.group(2), re.S)
    n = len(xfs)
    parts["xl/styles.xml"] = (styles[:m.start()] + m.group(1) + "".join(reversed(xfs)) + m.group(3)
                              + styles[m.end():]).encode("utf-8")

    def sub(mm):
        attrs, inner = _attrs(mm.group(1)), mm.group(3)
        attrs["s"] = str(n - 1 - int(attrs.get("s", "0")))
        return _cell(attrs, inner)

    for name in sheets(parts):
        _edit(parts, name, lambda t: _C.sub(sub, t))


def defined_name_attributes(parts: Parts) -> None:
    """Defined names rewritten with every optional attribute, as LibreOffice writes them."""
    _edit(parts, "xl/workbook.xml", lambda t: t.replace(
        "<definedName ", '<definedName function="false" hidden="false" vbProcedure="false" '))


EXCEL = (share_formulas, prefix_functions, inline_strings, cached_errors, no_calc_chain)
WPS = (understated_dimension, prefixed_namespace, wps_cell_images, hidden_metadata)
