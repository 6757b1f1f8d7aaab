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


def shared_strings(parts: Parts) -> None:
    """Every inline-string cell becomes a shared string (§18.4), as Excel saves every text:
    the ``sst`` part, the workbook's relationship to it and its content type."""
    table: dict[str, int] = {}

    def sub(m):
        attrs, inner = _attrs(m.group(1)), m.group(3)
        if attrs.get("t") != "inlineStr" or inner is None:
            return m.group(0)
        si = re.search(r"<is>(.*?)</is>", inner, re.S).group(1)
        attrs["t"] = "s"
        return _cell(attrs, f"<v>{table.setdefault(si, len(table))}</v>")

    for name in sheets(parts):
        _edit(parts, name, lambda t: _C.sub(sub, t))
    parts["xl/sharedStrings.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN}" '
                                     f'count="{len(table)}" uniqueCount="{len(table)}">'
                                     + "".join(f"<si>{si}</si>" for si in table) + "</sst>").encode("utf-8")
    add_relationship(parts, "xl/workbook.xml", "rIdStrings", "sharedStrings", "sharedStrings.xml")
    add_override(parts, "xl/sharedStrings.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml."
                                                "sharedStrings+xml")


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


# --- parts reached by relationships (ECMA-376 Part 2 §9.3), as Excel writes them --------

PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = {
    "externalLink": "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml",
    "oleObject": "application/vnd.openxmlformats-officedocument.oleObject",
    "activeX": "application/vnd.ms-office.activeX+xml",
    "activeXBinary": "application/vnd.ms-office.activeX",
    "connections": "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml",
    "png": "image/png",
}
OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
"""The header of an OLE compound file (MS-CFB §2.2), which an embedded object is."""


def rels_part(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def relative(source: str, target: str) -> str:
    """``target`` (a part name) as a target relative to ``source``'s folder."""
    import posixpath

    return posixpath.relpath(target, posixpath.dirname(source) or ".")


def add_relationship(parts: Parts, source: str, rid: str, kind: str, target: str, external: bool = False,
                     namespace: str = DOC_REL) -> None:
    """A relationship of ``source`` (Part 2 §9.3.2.2); ``kind`` is the type's last segment
    under ``namespace``, or the whole type."""
    path = rels_part(source)
    body = parts.get(path, f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                           f'<Relationships xmlns="{PKG_REL}"></Relationships>'.encode()).decode("utf-8")
    mode = ' TargetMode="External"' if external else ""
    kind = kind if "://" in kind else f"{namespace}/{kind}"
    rel = f'<Relationship Id="{rid}" Type="{kind}" Target="{_escape(target)}"{mode}/>'
    parts[path] = body.replace("</Relationships>", rel + "</Relationships>").encode("utf-8")


def add_override(parts: Parts, part: str, content_type: str) -> None:
    _edit(parts, "[Content_Types].xml", lambda t: t.replace(
        "</Types>", f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>'))


def add_default(parts: Parts, extension: str, content_type: str) -> None:
    if f'Extension="{extension}"' not in parts["[Content_Types].xml"].decode("utf-8"):
        _edit(parts, "[Content_Types].xml", lambda t: t.replace(
            "<Override", f'<Default Extension="{extension}" ContentType="{content_type}"/><Override', 1))


def _insert(parts: Parts, part: str, element: str, before: tuple[str, ...]) -> None:
    """Insert ``element`` into ``part`` in its schema place: before the first of the
    elements that follow it in the schema's sequence, else before the root's end tag."""
    text = parts[part].decode("utf-8")
    found = [i for i in (text.find(f"<{b}") for b in before) if i >= 0]
    at = min(found) if found else text.rindex("</")
    parts[part] = (text[:at] + element + text[at:]).encode("utf-8")


#: What follows each element in CT_Worksheet's sequence (Part 1 §18.3.1.99).
_AFTER_HYPERLINKS = ("printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
                     "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
                     "legacyDrawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts",
                     "extLst")
_AFTER_OLE_OBJECTS = ("controls", "webPublishItems", "tableParts", "extLst")
_AFTER_CONTROLS = ("webPublishItems", "tableParts", "extLst")


def external_link(target: str, part: str = "xl/externalLinks/externalLink1.xml", rid: str = "rIdLink1",
                  path_kind: str = "externalLinkPath", names: tuple[str, ...] = ("ITEM_SCORE",)) -> Callable:
    """A step: a link to another workbook (Part 1 §18.14), as Excel records the add-in's
    functions: workbook.xml's ``externalReferences``, the workbook's externalLink
    relationship, the part with an ``externalBook`` whose path is an External relationship."""
    def step(parts: Parts) -> None:
        names_xml = "".join(f'<definedName name="{n}"/>' for n in names)
        parts[part] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="{MAIN}">'
                       f'<externalBook xmlns:r="{DOC_REL}" r:id="rId1"><definedNames>{names_xml}</definedNames>'
                       f'</externalBook></externalLink>').encode("utf-8")
        add_relationship(parts, part, "rId1", path_kind, target, external=True)
        _link_from_workbook(parts, part, rid)
    return step


def dde_link(service: str, topic: str, part: str = "xl/externalLinks/externalLink1.xml",
             rid: str = "rIdLink1") -> Callable:
    """A step: a DDE link (Part 1 §18.14.4 ``ddeLink``), e.g. ``cmd`` / ``/C calc``."""
    def step(parts: Parts) -> None:
        parts[part] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="{MAIN}">'
                       f'<ddeLink ddeService="{_escape(service)}" ddeTopic="{_escape(topic)}"><ddeItems>'
                       f'<ddeItem name="A0" advise="1"/></ddeItems></ddeLink></externalLink>').encode("utf-8")
        _link_from_workbook(parts, part, rid)
    return step


def _link_from_workbook(parts: Parts, part: str, rid: str) -> None:
    add_relationship(parts, "xl/workbook.xml", rid, "externalLink", relative("xl/workbook.xml", part))
    add_override(parts, part, CT["externalLink"])
    ref = f'<externalReference xmlns:r="{DOC_REL}" r:id="{rid}"/>'
    text = parts["xl/workbook.xml"].decode("utf-8")
    if "<externalReferences>" in text:
        parts["xl/workbook.xml"] = text.replace("</externalReferences>", ref + "</externalReferences>").encode()
    else:
        _insert(parts, "xl/workbook.xml", f"<externalReferences>{ref}</externalReferences>",
                ("definedNames", "calcPr", "oleSize", "customWorkbookViews", "pivotCaches", "extLst"))


def ole_object(part: str = "xl/embeddings/oleObject1.bin", sheet: str = "xl/worksheets/sheet1.xml",
               kind: str = "oleObject", content_type: str | None = CT["oleObject"], data: bytes = OLE_HEADER,
               rid: str = "rIdOle1") -> Callable:
    """A step: an embedded object on a sheet (Part 1 §18.3.1.59 ``oleObject``): the sheet's
    relationship of ``kind`` to ``part``, typed by a Default for its extension (or by
    ``content_type`` None: no type of its own)."""
    def step(parts: Parts) -> None:
        parts[part] = data
        add_relationship(parts, sheet, rid, kind, relative(sheet, part))
        if content_type:
            add_default(parts, part.rpartition(".")[2], content_type)
        _insert(parts, sheet, f'<oleObjects><oleObject xmlns:r="{DOC_REL}" progId="Package" shapeId="1025" '
                              f'r:id="{rid}"/></oleObjects>', _AFTER_OLE_OBJECTS)
    return step


def activex_control(part: str = "xl/activeX/activeX1.xml", sheet: str = "xl/worksheets/sheet1.xml",
                    rid: str = "rIdCtl1") -> Callable:
    """A step: an ActiveX control on a sheet (Part 1 §18.3.1.19 ``control``): the sheet's
    control relationship to the control's part, and its binary persisted state."""
    def step(parts: Parts) -> None:
        binary = part.rpartition(".")[0] + ".bin"
        parts[part] = (f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
                       f'<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activex" xmlns:r="{DOC_REL}" '
                       f'ax:classid="{{8BD21D40-EC42-11CE-9E0D-00AA006002F3}}" ax:persistence="persistStreamInit" '
                       f'r:id="rId1"/>').encode("utf-8")
        parts[binary] = b"\0" * 64
        add_relationship(parts, part, "rId1", "activeXControlBinary", relative(part, binary),
                         namespace="http://schemas.microsoft.com/office/2006/relationships")
        add_override(parts, part, CT["activeX"])
        add_override(parts, binary, CT["activeXBinary"])
        add_relationship(parts, sheet, rid, "control", relative(sheet, part))
        _insert(parts, sheet, f'<controls><control xmlns:r="{DOC_REL}" shapeId="1026" r:id="{rid}" '
                              f'name="CommandButton1"/></controls>', _AFTER_CONTROLS)
    return step


def web_query(url: str, part: str = "xl/connections.xml", refresh_on_load: bool = True,
              rid: str = "rIdConn") -> Callable:
    """A step: a web query data connection (Part 1 §18.13 ``connection`` with ``webPr``)."""
    def step(parts: Parts) -> None:
        refresh = ' refreshOnLoad="1"' if refresh_on_load else ""
        parts[part] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<connections xmlns="{MAIN}">'
                       f'<connection id="1" name="q" type="4"{refresh} refreshedVersion="6" background="1">'
                       f'<webPr url="{_escape(url)}" htmlTables="1"/></connection></connections>').encode("utf-8")
        add_relationship(parts, "xl/workbook.xml", rid, "connections", relative("xl/workbook.xml", part))
        add_override(parts, part, CT["connections"])
    return step


def hyperlink(url: str, cell: str = "A1", sheet: str = "xl/worksheets/sheet1.xml", rid: str = "rIdLink") -> Callable:
    """A step: a cell hyperlink (Part 1 §18.3.1.47) to an outside address."""
    def step(parts: Parts) -> None:
        add_relationship(parts, sheet, rid, "hyperlink", url, external=True)
        _insert(parts, sheet, f'<hyperlinks><hyperlink xmlns:r="{DOC_REL}" ref="{cell}" r:id="{rid}"/>'
                              "</hyperlinks>", _AFTER_HYPERLINKS)
    return step


def rename_part(old: str, new: str) -> Callable:
    """A step: an archive member renamed (its relationships and content type unchanged)."""
    def step(parts: Parts) -> None:
        parts[new] = parts.pop(old)
    return step


# --- a workbook from scratch, as Excel writes one -----------------------------------------

CT_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def workbook(sheets: dict[str, str], strings: list[str] | None = None, names: str = "",
             styles: str | None = None, sheet_attrs: dict[str, str] | None = None) -> Parts:
    """The parts of a workbook as Excel 2016 saves one (ECMA-376 Part 1 §12.2 and §18; Part 2
    for the package): ``sheets`` maps each sheet's name to the inside of its ``sheetData``,
    ``strings`` holds the inside of each shared string's ``si`` (the part is written only
    when given), ``names`` the ``definedName`` elements, ``styles`` the ``cellXfs``."""
    parts: Parts = {}
    overrides = [("/xl/workbook.xml", f"{CT_MAIN}.sheet.main+xml"), ("/xl/styles.xml", f"{CT_MAIN}.styles+xml"),
                 ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
                 ("/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml")]
    rels = [("rIdStyles", "styles", "styles.xml")]
    entries = []
    for i, (name, data) in enumerate(sheets.items(), start=1):
        part = f"xl/worksheets/sheet{i}.xml"
        attrs = (sheet_attrs or {}).get(name, "")
        parts[part] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" '
                       f'xmlns:r="{DOC_REL}"><dimension ref="A1"/><sheetViews><sheetView workbookViewId="0"/>'
                       f'</sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>{data}</sheetData>'
                       f'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                       f'</worksheet>').encode("utf-8")
        overrides.append((f"/{part}", f"{CT_MAIN}.worksheet+xml"))
        rels.append((f"rId{i}", "worksheet", f"worksheets/sheet{i}.xml"))
        entries.append(f'<sheet name="{_escape(name)}" sheetId="{i}"{attrs} r:id="rId{i}"/>')
    if strings is not None:
        parts["xl/sharedStrings.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                         f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
                                         + "".join(f"<si>{s}</si>" for s in strings) + "</sst>").encode("utf-8")
        overrides.append(("/xl/sharedStrings.xml", f"{CT_MAIN}.sharedStrings+xml"))
        rels.append(("rIdStrings", "sharedStrings", "sharedStrings.xml"))
    xfs = styles or '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    parts["xl/styles.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
                              '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
                              '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
                              '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                              '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                              f'<cellXfs count="{xfs.count("<xf ")}">{xfs}</cellXfs>'
                              '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                              '</styleSheet>').encode("utf-8")
    defined = f"<definedNames>{names}</definedNames>" if names else ""
    parts["xl/workbook.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" '
                                f'xmlns:r="{DOC_REL}"><workbookPr defaultThemeVersion="166925"/><bookViews>'
                                f'<workbookView xWindow="0" yWindow="0" windowWidth="28800" windowHeight="12300"/>'
                                f'</bookViews><sheets>{"".join(entries)}</sheets>{defined}<calcPr calcId="191029"/>'
                                f'</workbook>').encode("utf-8")
    parts["xl/_rels/workbook.xml.rels"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                           f'<Relationships xmlns="{PKG_REL}">' + "".join(
        f'<Relationship Id="{rid}" Type="{DOC_REL}/{kind}" Target="{target}"/>' for rid, kind, target in rels)
        + "</Relationships>").encode("utf-8")
    parts["_rels/.rels"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}">'
                            f'<Relationship Id="rId3" Type="{DOC_REL}/extended-properties" Target="docProps/app.xml"/>'
                            f'<Relationship Id="rId2" Type="{PKG_REL}/metadata/core-properties" '
                            f'Target="docProps/core.xml"/>'
                            f'<Relationship Id="rId1" Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/>'
                            "</Relationships>").encode("utf-8")
    parts["docProps/app.xml"] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns='
                                 b'"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
                                 b"<Application>Microsoft Excel</Application></Properties>")
    parts["docProps/core.xml"] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
                                  b'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                                  b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>k</dc:creator>'
                                  b"</cp:coreProperties>")
    parts["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides) + "</Types>").encode("utf-8")
    return parts


def excel_extras(parts: Parts) -> None:
    """What Excel adds to a workbook it saves beside the cells: a calculation chain, custom
    document properties, a custom XML data part (as SharePoint leaves), printer settings
    and a theme — every one reached by its relationship and typed."""
    calc_chain(parts)
    parts["docProps/custom.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.'
        b'org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="ContentTypeId">'
        b"<vt:lpwstr>0x0101</vt:lpwstr></property></Properties>")
    add_relationship(parts, "", "rIdCustom", "custom-properties", "docProps/custom.xml")
    add_override(parts, "docProps/custom.xml", "application/vnd.openxmlformats-officedocument.custom-properties+xml")
    parts["customXml/item1.xml"] = b'<?xml version="1.0" encoding="UTF-8" standalone="no"?><b:Sources ' \
                                   b'xmlns:b="http://schemas.openxmlformats.org/officeDocument/2006/bibliography"/>'
    parts["customXml/itemProps1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<ds:datastoreItem ds:itemID="{8D2D2B1C-7B7B-4A1F-'
        b'9C6B-0B4E0C8F1A11}" xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"/>')
    add_relationship(parts, "xl/workbook.xml", "rIdXml", "customXml", "../customXml/item1.xml")
    add_relationship(parts, "customXml/item1.xml", "rId1", "customXmlProps", "itemProps1.xml")
    add_override(parts, "customXml/itemProps1.xml", "application/vnd.openxmlformats-officedocument.customXmlProperties+xml")
    for i, sheet in enumerate(sheets(parts), start=1):
        part = f"xl/printerSettings/printerSettings{i}.bin"
        parts[part] = "Microsoft Print to PDF".encode("utf-16-le").ljust(64, b"\0") + b"\x01\x04" + b"\0" * 150
        add_relationship(parts, sheet, f"rIdPrinter{i}", "printerSettings", relative(sheet, part))
    add_default(parts, "bin", f"{CT_MAIN}.printerSettings")
    if "xl/theme/theme1.xml" not in parts:
        parts["xl/theme/theme1.xml"] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<a:theme xmlns:a='
                                        b'"http://schemas.openxmlformats.org/drawingml/2006/main" name="Office Theme"/>')
        add_relationship(parts, "xl/workbook.xml", "rIdTheme", "theme", "theme/theme1.xml")
        add_override(parts, "xl/theme/theme1.xml", "application/vnd.openxmlformats-officedocument.theme+xml")
