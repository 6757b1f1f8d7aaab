"""The package of a workbook as Open Packaging Conventions define it (ECMA-376 Part 2):
parts by name, their content types, and the relationships between them.

Part names are compared without regard to case (Part 2, requirement M1.12: "Part name
equivalence is determined by comparing part names as case-insensitive ASCII strings.
Packages shall not contain equivalent part names and package implementers shall neither
create nor recognize packages with equivalent part names"), and so are the extensions
and part names of ``[Content_Types].xml``. Names are folded
here more widely than ASCII (``str.casefold`` after ``upper``, percent-escapes decoded),
so that two names that any reader could take for one part are one name: the archive
check refuses two members with one folded name, and every part is found through its
relationship by its folded name.
"""

from __future__ import annotations

import functools
import posixpath
import struct
import zipfile
import zlib
from typing import NamedTuple
from urllib.parse import unquote

from addin.intake import markup
from addin.intake.refusal import UnsafeWorkbook, refuse

CONTENT_TYPES = "[Content_Types].xml"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"


def fold(name: str) -> str:
    """The key under which a part name is one part: ``/xl/Workbook.XML`` and
    ``xl/workbook.xml`` fold alike."""
    name = name.lstrip("/")
    if "%" in name:
        name = unquote(name)
    return name.lower() if name.isascii() else name.upper().casefold()


def rels_name(part: str) -> str:
    """The relationships part of ``part`` (Part 2, §9.3.3.1); of the package for ''."""
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def is_rels(name: str) -> bool:
    """A relationships part (``…/_rels/….rels``)."""
    folder, _, base = name.rpartition("/")
    return (folder == "_rels" or folder.endswith("/_rels")) and base.lower().endswith(".rels")


class Relationship(NamedTuple):
    id: str
    type: str
    """The type's URI; :attr:`kind` is its last segment, the same in Strict OOXML."""
    target: str
    """The target as written."""
    external: bool
    name: str | None
    """The part name an internal target resolves to (None for an external one)."""
    part: str | None
    """The archive member that is that part, None when the package has none."""

    @property
    def kind(self) -> str:
        return self.type.rstrip("/").rsplit("/", 1)[-1]


class Package:
    """An archive read as an OPC package. Parts are read through :meth:`read`, found by
    their folded names; relationships and content types are parsed once."""

    def __init__(self, archive: zipfile.ZipFile, file: str):
        self.zip = archive
        self.file = file
        self.members = archive.namelist()
        self._exact = set(self.members)
        self._keys = {n: fold(n) for n in self.members}
        self.by_key: dict[str, str] = {}
        self.twins: list[str] = []
        """Members whose names fold to one part name (each but the first, beside it)."""
        for name, key in self._keys.items():
            first = self.by_key.setdefault(key, name)
            if first is not name:
                self.twins.append(f"{first} / {name}")
        if len(self._keys) < len(self.members):  # the very same name twice
            seen: set[str] = set()
            self.twins += [n for n in self.members if n in seen or seen.add(n)]
        self._rels: dict[str, list[Relationship]] = {}
        self._bytes: dict[str, bytes] = {}
        self._types: tuple[dict[str, str], dict[str, str]] | None = None

    @classmethod
    def of(cls, archive: zipfile.ZipFile | Package, file: str) -> Package:
        return archive if isinstance(archive, Package) else cls(archive, file)

    def member(self, part: str) -> str | None:
        """The archive member that is ``part`` (compared folded), or None."""
        if part in self._exact:
            return part
        return self.by_key.get(fold(part))

    def read(self, part: str) -> bytes:
        """A part's bytes; a missing or unreadable part refuses the file."""
        member = self.member(part)
        if member is None:
            raise UnsafeWorkbook(refuse("not_workbook", f"工作簿缺少部件 {part}，请用下发的模板重新填写后发送",
                                        f"missing part {part}", self.file))
        if member in self._bytes:
            return self._bytes[member]
        try:
            data = read_member(self.zip, self.zip.getinfo(member))
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError, zlib.error):
            raise UnsafeWorkbook(refuse("broken_zip", "文件不完整或已损坏，请重新发送",
                                        f"corrupt archive member {member}", self.file)) from None
        if member == CONTENT_TYPES:  # read by the archive check and again by the part checks
            self._bytes[member] = data
        return data

    def head(self, part: str, size: int = 4096) -> bytes:
        """The first ``size`` bytes of a part (enough for a magic number or a root element)."""
        member = self.member(part)
        try:
            return read_member(self.zip, self.zip.getinfo(member), size) if member else b""
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError, zlib.error):
            raise UnsafeWorkbook(refuse("broken_zip", "文件不完整或已损坏，请重新发送",
                                        f"corrupt archive member {member}", self.file)) from None

    def parse(self, part: str, data: bytes | None = None):
        """A part's root element (``data`` when already read); unsafe or broken XML refuses
        the file."""
        try:
            return markup.parse(self.read(part) if data is None else data)
        except markup.MarkupError as exc:
            raise xml_refusal(exc, part, self.file) from None

    def relationships(self, source: str) -> list[Relationship]:
        """The relationships of ``source`` ('' for the package's own), in the order written."""
        if source not in self._rels:
            self._rels[source] = self._read_relationships(source)
        return self._rels[source]

    def _read_relationships(self, source: str) -> list[Relationship]:
        path = rels_name(source)
        if self.member(path) is None:
            return []
        base = source.rpartition("/")[0]
        out = []
        for rid, kind, target, external in self.memo(_parse_relationships, path):
            name = None if external else resolve_target(base, target)
            part = None if name is None else self.member(name)
            out.append(Relationship(rid, kind, target, external, name, part))
        return out

    def memo(self, parse, part: str):
        """``parse`` of a part's bytes, remembered for identical bytes (a batch of files from
        one writer shares most small parts); a DTD or broken XML refuses the file."""
        data = self.read(part)
        try:
            return remembered(parse, data) if len(data) <= MEMO_BELOW else parse(data)
        except markup.MarkupError as exc:
            raise xml_refusal(exc, part, self.file) from None

    def content_type(self, part: str) -> str | None:
        """A part's content type: its Override, else the Default of its extension."""
        if self._types is None:
            self._types = self._read_types()
        defaults, overrides = self._types
        key = self._keys.get(part) or fold(part)
        if key in overrides:
            return overrides[key]
        ext = key.rpartition("/")[2]
        return defaults.get(ext.rpartition(".")[2]) if "." in ext else None

    def _read_types(self) -> tuple[dict[str, str], dict[str, str]]:
        if self.member(CONTENT_TYPES) is None:
            return {}, {}
        return self.memo(_parse_types, CONTENT_TYPES)

    def main_part(self) -> str | None:
        """The workbook: the target of the package's officeDocument relationship."""
        return next((r.part for r in self.relationships("") if r.kind == "officeDocument" and r.part), None)

    def related(self, source: str, kind: str) -> list[Relationship]:
        """``source``'s relationships of one kind (the last segment of the type)."""
        return [r for r in self.relationships(source) if r.kind == kind]

    def close(self) -> None:
        self.zip.close()


MEMO_BELOW = 128 << 10
"""Parts up to this size (bytes) are remembered by their bytes for the rest of the batch."""


@functools.lru_cache(maxsize=64)
def remembered(parse, data: bytes):
    """``parse(data)``, once for each distinct ``data`` among the last few (results are
    never changed by their users)."""
    return parse(data)


def _parse_relationships(data: bytes) -> tuple[tuple[str, str, str, bool], ...]:
    """(Id, Type, Target, external) of each relationship in a relationships part (§9.3)."""
    return tuple((attrs.get("Id", ""), attrs.get("Type", ""), attrs.get("Target", ""),
                  attrs.get("TargetMode", "Internal") == "External")
                 for tag, attrs in markup.start_tags(data) if tag == "Relationship")


def _parse_types(data: bytes) -> tuple[dict[str, str], dict[str, str]]:
    """The Default content types by extension and the Overrides by folded part name (§10.1.2)."""
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for tag, attrs in markup.start_tags(data):
        if tag == "Default":
            defaults[attrs.get("Extension", "").upper().casefold()] = attrs.get("ContentType", "").strip().lower()
        elif tag == "Override":
            overrides[fold(attrs.get("PartName", ""))] = attrs.get("ContentType", "").strip().lower()
    return defaults, overrides


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, prefix: int | None = None) -> bytes:
    """A stored or deflated member's bytes, read straight from its local header (APPNOTE
    §4.3.7) and checked as :mod:`zipfile` checks them: the header's signature and name
    agree with the central directory, the data inflates to exactly the size the directory
    gives (never more: the output is bounded by it) and its CRC-32 matches. Anything else
    (encrypted, other methods) goes through :mod:`zipfile`. With ``prefix``, only that many
    first bytes (unchecked: the CRC covers the whole)."""
    fp = archive.fp
    if fp is None or info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        if prefix is not None:
            with archive.open(info) as fh:
                return fh.read(prefix)
        return archive.read(info)
    fp.seek(info.header_offset)
    head = fp.read(30)
    if len(head) != 30 or head[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = struct.unpack_from("<HH", head, 26)
    name = fp.read(name_len).decode("utf-8" if info.flag_bits & 0x800 else "cp437")
    if name != info.orig_filename:
        raise zipfile.BadZipFile(f"file name in directory {info.orig_filename!r} and header {name!r} differ")
    fp.seek(extra_len, 1)
    raw = fp.read(info.compress_size)
    if len(raw) != info.compress_size:
        raise zipfile.BadZipFile(f"truncated member {info.filename}")
    if prefix is not None:
        return zlib.decompressobj(-15).decompress(raw, prefix) if info.compress_type == zipfile.ZIP_DEFLATED \
            else raw[:prefix]
    if info.compress_type == zipfile.ZIP_DEFLATED:
        inflate = zlib.decompressobj(-15)
        data = inflate.decompress(raw, info.file_size + 1)
    else:
        data = raw
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"bad size or CRC-32 for {info.filename}")
    return data


def resolve_target(base: str, target: str) -> str:
    """An internal target as a part name: relative to the source's folder ``base``, or
    absolute from the package root (``/xl/…``); dot segments removed (RFC 3986 §5.2)."""
    path = target.split("#", 1)[0]
    if path and not path.startswith("/") and "/." not in "/" + path and "//" not in path:
        return f"{base}/{path}" if base else path  # no dot segment nor empty one: nothing to remove
    if path.startswith("/"):
        joined = path.lstrip("/")
    else:
        joined = posixpath.join(base, path) if base else path
    return posixpath.normpath(joined).lstrip("/") if joined else ""


def xml_refusal(exc: markup.MarkupError, part: str, file: str) -> UnsafeWorkbook:
    """The refusal of a part whose XML we do not read."""
    if exc.unsafe:
        return UnsafeWorkbook(refuse("unsafe_xml", "文件含有不安全的 XML 声明（DOCTYPE/实体），已拒收",
                                     f"the workbook's XML declares a DOCTYPE or entities ({part})", file))
    return UnsafeWorkbook(refuse("broken_xml", "工作簿内部数据已损坏，请重新保存后发送",
                                 f"malformed XML in the workbook ({part}): {exc.detail}", file))
