"""What each part of a workbook is, and whether it may stay for the office to open.

Every part is judged by what the package says it is, never by its folder: the type of
each relationship that reaches it and its content type in ``[Content_Types].xml``. The
relationships are walked from the package's own (``_rels/.rels``) through the workbook's,
the sheets', the drawings' and so on. Refused, each with its reason:

- parts that act when the file is opened or refreshed: embedded (OLE) objects and
  packages, ActiveX controls, data connections and query tables, VBA projects and macro
  sheets, web extensions (Office add-ins);
- links out of the workbook: external links other than the one Excel keeps to the
  add-in on this computer (a network share or web address would be visited, sending
  the clerk's Windows credentials), DDE and OLE links, and any other relationship to an
  outside address but a hyperlink (which opens only when clicked);
- parts that no relationship reaches: no client reads them, so they can only carry
  what the sender did not see (a part no relationship reaches is judged by its content
  too, so its reason names what it is);
- defined names that point into another file.

``[Content_Types].xml`` and the relationship parts themselves are no parts of the
document and stay.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from addin.intake.opc import CONTENT_TYPES, Package, Relationship, is_rels
from addin.intake.refusal import UnsafeWorkbook, refuse
from addin.problems import Problem
from addin.workbook.identity import ADDIN_FILE

NOT_INSERTED = "请用下发的模板填写，不要插入对象、控件或数据连接"
"""What the sender can do about active content."""


@dataclass(frozen=True)
class Verdict:
    code: str
    zh: str
    en: str


EMBEDDED = Verdict("embedded_object", "嵌入的对象（OLE）", "an embedded (OLE) object")
ACTIVEX = Verdict("activex", "ActiveX 控件", "an ActiveX control")
CONNECTION = Verdict("data_connection", "数据连接或查询（打开或刷新时会访问外部数据）",
                     "a data connection or query (refreshed from outside data)")
MACRO = Verdict("macro", "宏（VBA 或宏表）", "macros (VBA or a macro sheet)")
WEB_EXTENSION = Verdict("web_extension", "Office 加载项（Web 扩展，打开时会从网络加载程序）",
                        "an Office add-in (web extension, loaded from the web when opened)")

#: Relationship types (their last segment, the same in Strict OOXML) of active parts.
ACTIVE_KINDS = {
    "oleObject": EMBEDDED, "package": EMBEDDED,
    "control": ACTIVEX, "activeXControlBinary": ACTIVEX,
    "connections": CONNECTION, "queryTable": CONNECTION, "powerPivotData": CONNECTION,
    "vbaProject": MACRO, "vbaProjectSignature": MACRO, "xlMacrosheet": MACRO, "xlIntlMacrosheet": MACRO,
    "dialogsheet": MACRO, "attachedToolbars": MACRO,
    "webextension": WEB_EXTENSION, "webextensiontaskpanes": WEB_EXTENSION,
}
#: Content types (lower case) of active parts.
ACTIVE_TYPES = {
    "application/vnd.openxmlformats-officedocument.oleobject": EMBEDDED,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": EMBEDDED,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": EMBEDDED,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": EMBEDDED,
    "application/msword": EMBEDDED, "application/vnd.ms-excel": EMBEDDED, "application/vnd.ms-powerpoint": EMBEDDED,
    "application/vnd.ms-office.activex+xml": ACTIVEX, "application/vnd.ms-office.activex": ACTIVEX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml": CONNECTION,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.querytable+xml": CONNECTION,
    "application/vnd.ms-office.vbaproject": MACRO, "application/vnd.ms-office.vbaprojectsignature": MACRO,
    "application/vnd.ms-excel.macrosheet+xml": MACRO, "application/vnd.ms-excel.intlmacrosheet+xml": MACRO,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.dialogsheet+xml": MACRO,
    "application/vnd.ms-excel.attachedtoolbars": MACRO,
    "application/vnd.ms-office.webextension+xml": WEB_EXTENSION,
    "application/vnd.ms-office.webextensiontaskpanes+xml": WEB_EXTENSION,
}
#: Root elements (local names) of active XML parts, for parts no relationship reaches.
ACTIVE_ROOTS = {"ocx": ACTIVEX, "connections": CONNECTION, "queryTable": CONNECTION, "macrosheet": MACRO,
                "dialogsheet": MACRO, "webextension": WEB_EXTENSION, "taskpanes": WEB_EXTENSION}
EXTERNAL_LINK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.externallink+xml"
#: Relationship types that name the file an external link points to (ECMA-376 Part 1
#: §18.14, and Excel's own for a missing path and its startup and library folders).
LINK_PATH_KINDS = {"externalLinkPath", "xlExternalLinkPath", "xlPathMissing", "xlStartup", "xlAlternateStartup",
                   "xlLibrary"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
"""The start of an OLE compound file (an embedded object, a VBA project, a legacy .xls)."""


@dataclass
class Findings:
    """The problems found, one per code, each naming the parts or targets it concerns."""

    file: str
    found: dict[str, tuple[Verdict | None, list[str]]] = field(default_factory=dict)
    extra: list[Problem] = field(default_factory=list)

    def add(self, verdict: Verdict, where: str) -> None:
        _, places = self.found.setdefault(verdict.code, (verdict, []))
        if where not in places:
            places.append(where)

    def problems(self) -> list[Problem]:
        out = []
        # the specific reasons first: a part no relationship reaches says least
        for code, (verdict, places) in sorted(self.found.items(), key=lambda kv: kv[0] == "unreferenced_part"):
            shown = "、".join(places)[:200]
            if code == "external_links":
                out.append(refuse(code, f"工作簿含有指向其他文件或网络地址的外部链接（{shown}），打开时会访问该地址；"
                                        "请删除链接（数据→编辑链接→断开链接）后重新发送",
                                  f"the workbook links to other files or addresses: {shown}", self.file))
            elif code == "unreferenced_part":
                out.append(refuse(code, f"工作簿含有未被引用的部件（{shown}），文件可能被其他程序改动过；"
                                        "请用下发的模板重新填写并用 Excel/WPS 保存后发送",
                                  f"parts no relationship reaches: {shown}", self.file))
            else:
                out.append(refuse(code, f"工作簿含有{verdict.zh}（{shown}），为安全起见已拒收；{NOT_INSERTED}",
                                  f"the workbook contains {verdict.en} ({shown})", self.file))
        return out + self.extra


EXTERNAL_LINKS = Verdict("external_links", "", "")
UNREFERENCED = Verdict("unreferenced_part", "", "")
DDE = Verdict("dde", "DDE 动态数据交换链接（可启动其他程序）", "a DDE link (it can start another program)")
OLE_LINK = Verdict("ole_link", "OLE 链接（链接到其他文件中的对象）", "an OLE link to an object in another file")
OUTSIDE = Verdict("external_resource", "指向外部地址的资源（打开时会访问该地址）",
                  "a resource at an outside address (visited when the file is opened)")


def check_parts(pkg: Package) -> list[Problem]:
    """Walk every relationship from the package's own and judge each part it reaches; then
    judge the parts none reaches, each by its content."""
    found = Findings(pkg.file)
    reached: set[str] = set()
    links: set[str] = set()
    try:
        _walk(pkg, [""], reached, links, found)
        unreached = [m for m in pkg.members if m not in reached and not _no_part(m)]
        for member in unreached:
            if not _judge(pkg, member, None, links, found):
                found.add(UNREFERENCED, member)
        _walk(pkg, unreached, reached, links, found, judge=False)
    except UnsafeWorkbook as exc:
        found.extra.append(exc.problem)
    return found.problems()


def _no_part(member: str) -> bool:
    """Archive members that are no parts of the document: the content types, relationship
    parts and folder entries."""
    return member == CONTENT_TYPES or is_rels(member) or member.endswith("/")


def _walk(pkg: Package, start: Iterable[str], reached: set[str], links: set[str], found: Findings,
          judge: bool = True) -> None:
    """Breadth first from ``start``: each relationship's outside address, and (``judge``)
    each part reached for the first time."""
    sources = deque(start)
    seen = set(sources)
    while sources:
        source = sources.popleft()
        for rel in pkg.relationships(source):
            if rel.external:
                if source not in links:  # an external link's own targets are judged with it
                    _judge_external(rel, source, found)
                continue
            if rel.part is None:
                continue  # a target that is not in the package: nothing to open
            if judge and rel.part not in reached:
                reached.add(rel.part)
                _judge(pkg, rel.part, rel.kind, links, found)
            if rel.part not in seen:
                seen.add(rel.part)
                sources.append(rel.part)


def _judge(pkg: Package, part: str, kind: str | None, links: set[str], found: Findings) -> bool:
    """Judge one part reached by a relationship of ``kind`` (None: reached by none) by that
    kind, its content type and, where those say nothing, its first bytes; True when it was
    refused for what it is."""
    ctype = pkg.content_type(part) or ""
    verdict = ACTIVE_KINDS.get(kind or "") or ACTIVE_TYPES.get(ctype) or (MACRO if "macroenabled" in ctype else None)
    root = None
    if verdict is None and (kind is None or not ctype.endswith("xml")):
        head = pkg.head(part)
        if head.startswith(OLE_MAGIC):
            verdict = EMBEDDED
        elif kind is None:
            root = _root_name(head)
            verdict = ACTIVE_ROOTS.get(root or "")
    if verdict is not None:
        found.add(verdict, part)
        return True
    if kind == "externalLink" or ctype == EXTERNAL_LINK_TYPE or root == "externalLink":
        links.add(part)
        return _judge_link(pkg, part, found)
    return False


def _root_name(head: bytes) -> str | None:
    """The local name of the root element an XML part starts with, or None."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = head.decode("utf-16", "ignore")
    else:
        text = head.decode("utf-8", "ignore")
    i = 0
    while (i := text.find("<", i)) >= 0 and i + 1 < len(text):
        if text[i + 1] not in "?!":
            end = i + 1
            while end < len(text) and text[end] not in " \t\r\n/>":
                end += 1
            return text[i + 1:end].rpartition(":")[2]
        i += 1
    return None


def _judge_link(pkg: Package, part: str, found: Findings) -> bool:
    """An external link part (ECMA-376 Part 1 §18.14): a DDE or OLE link is refused; a link
    to a workbook only when its file is the add-in on this computer. Every target in the
    part's relationships counts, whatever its type. True when refused."""
    children = {child.tag.rpartition("}")[2]: child for child in pkg.parse(part)}
    if "ddeLink" in children:
        dde = children["ddeLink"]
        found.add(DDE, f"{part}: {dde.get('ddeService', '')}|{dde.get('ddeTopic', '')}")
        return True
    if "oleLink" in children:
        found.add(OLE_LINK, f"{part}: {children['oleLink'].get('progId', '')}")
        return True
    targets = [r.target for r in pkg.relationships(part)]
    bad = [t for t in targets if not is_local_addin(t)] if targets else [f"{part} (unknown)"]
    for target in bad:
        found.add(EXTERNAL_LINKS, target)
    return bool(bad)


def _judge_external(rel: Relationship, source: str, found: Findings) -> None:
    """A relationship to an outside address: hyperlinks open only when clicked; a link
    path must be the add-in; anything else would be fetched when the file is opened."""
    if rel.kind == "hyperlink":
        return
    if rel.kind in LINK_PATH_KINDS or rel.kind == "externalLink":
        if not is_local_addin(rel.target):
            found.add(EXTERNAL_LINKS, rel.target)
    elif rel.kind == "oleObject":
        found.add(OLE_LINK, f"{source or '/'}: {rel.target}")
    else:
        found.add(OUTSIDE, f"{source or '/'}: {rel.target}")


def is_local_addin(target: str) -> bool:
    """An external link's target that is exactly the add-in on this computer: a local path
    or ``file:///`` URL whose file is ``kaohe.xlam`` — never a web address or a network
    share (opening the stored copy would send the clerk's credentials there)."""
    t = target.strip().replace("\\", "/")
    if t.lower().startswith("file:///"):
        t = t[len("file:///"):]
    elif t.lower().startswith("file:") or "://" in t:
        return False
    if t.startswith("//"):
        return False  # a UNC path: \\server\share\…
    return t.rsplit("/", 1)[-1].lower() == ADDIN_FILE


# --- defined names -------------------------------------------------------------------------

_NAME_CHARS = frozenset("_.?")


def refers_outside(text: str) -> bool:
    """Whether a defined name's formula names another file or program: an external
    workbook (``[1]Sheet1!A1``, ``'C:\\x\\[b.xlsx]S'!A1``, ``[1]!Name``), a network path, a
    web address, a DDE or OLE link (``cmd|' /C calc'!A0``). String literals, 3-D references
    (``'S1:S3'!A1``) and structured references (``Table1[Column]``,
    ``Table1[[#This Row],[c]]``, MS-XLSX §2.2.2) are the workbook's own."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i = _after_quoted(text, i, '"')
            if i < 0:
                return True  # an unterminated string: no reader agrees on what follows
        elif ch == "'":
            j = _after_quoted(text, i, "'")
            if j < 0 or any(c in text[i + 1:j - 1] for c in "[]\\/|"):
                return True
            i = j
        elif ch == "[":
            before = text[i - 1] if i else ""
            if not (before.isalnum() or before in _NAME_CHARS or ord(before or " ") > 127):
                return True  # a workbook index or file name: [1]Sheet1!A1, [1]!Name
            i = _after_structured(text, i)
            if i < 0:
                return True
        elif ch == "|" or text.startswith("://", i) or text.startswith("\\\\", i):
            return True
        else:
            i += 1
    return False


def _after_quoted(text: str, i: int, quote: str) -> int:
    """The index after a quoted run starting at ``i`` (a doubled quote is one), or -1."""
    j = i + 1
    while True:
        j = text.find(quote, j)
        if j < 0:
            return -1
        if text.startswith(quote * 2, j):
            j += 2
            continue
        return j + 1


def _after_structured(text: str, i: int) -> int:
    """The index after a structured reference's brackets starting at ``i`` (nested
    brackets; ``'`` escapes the next character of a column name), or -1."""
    depth, j, n = 0, i, len(text)
    while j < n:
        c = text[j]
        if c == "'":
            j += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return -1


def check_names(names: Mapping[tuple[str | None, str], str], file: str) -> list[Problem]:
    """Defined names (but ours, ``KH_…``, which are compared with the template) that point
    outside the workbook."""
    problems = []
    for (_scope, name), text in names.items():
        if name.startswith("KH_"):
            continue
        if refers_outside(text):
            problems.append(refuse("external_name", f"工作簿的名称“{name}”指向其他文件，已拒收；请删除该名称（公式→名称管理器）",
                                   f"the defined name {name} points outside the workbook", file))
    return problems

