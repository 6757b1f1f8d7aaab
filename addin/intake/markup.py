"""XML of untrusted parts, parsed with no DTD, and the escaped strings of SpreadsheetML.

A document type declaration can only stand in a document's prolog (XML 1.0 §2.8,
``prolog ::= XMLDecl? Misc* (doctypedecl Misc*)?``), and entities can only be declared
inside one; so a document whose prolog holds none expands no entity but the five
predefined ones and character references. The prolog is checked here before expat
(through ElementTree's C parser) sees the document, and any ``<!`` there other than a
comment refuses it.

Package parts are UTF-8 or UTF-16 (ECMA-376 Part 2, §8.1.4); UTF-16 is decoded first so
that the same check reads its prolog.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.parsers import expat
from collections.abc import Iterator

_PROLOG = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.S)
_PROLOG_TEXT = re.compile(r"(?:\s+|<\?.*?\?>|<!--.*?-->)*", re.S)
_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}

STREAM_ABOVE = 4 << 20
"""Parts longer than this (bytes) are read as a stream of elements, each dropped once read,
instead of as one tree (a tree costs about ten times the XML's size)."""


class MarkupError(Exception):
    """The part is not XML we read: ``unsafe`` (a DTD) or broken; ``detail`` says where."""

    def __init__(self, unsafe: bool, detail: str):
        super().__init__(detail)
        self.unsafe = unsafe
        self.detail = detail


def is_utf16(data: bytes) -> bool:
    """A part in UTF-16 (by its byte order mark or its first character, XML 1.0 Appendix F)."""
    return data[:2] in _BOMS or data[:2] in (b"<\x00", b"\x00<")


def _checked(data: bytes) -> bytes | str:
    """The document as the parser reads it, after its prolog is checked for a DTD."""
    if is_utf16(data):
        codec = _BOMS.get(data[:2]) or ("utf-16-le" if data[:1] == b"<" else "utf-16-be")
        try:
            text = data.decode(codec).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise MarkupError(False, f"not UTF-16: {exc}") from None
        if text.startswith("<!", _PROLOG_TEXT.match(text).end()):
            raise MarkupError(True, "a document type declaration (DOCTYPE)")
        return text
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if data.startswith(b"<!", _PROLOG.match(data, start).end()):
        raise MarkupError(True, "a document type declaration (DOCTYPE)")
    return data


def parse(data: bytes) -> ET.Element:
    """The root element of a part; raises :class:`MarkupError`."""
    text = _checked(data)
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        raise MarkupError(False, str(exc)) from None


def start_tags(data: bytes) -> list[tuple[str, dict[str, str]]]:
    """(local name, attributes) of every element of a small part, in document order, read
    by expat with one call per element and no tree (for relationship and content-type
    parts, whose elements are all empty); raises :class:`MarkupError`."""
    text = _checked(data)
    out: list[tuple[str, dict[str, str]]] = []
    parser = expat.ParserCreate()
    parser.StartElementHandler = lambda name, attrs: out.append((name.rpartition(":")[2], attrs))
    parser.StartDoctypeDeclHandler = _no_doctype
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise MarkupError(False, str(exc)) from None
    return out


def _no_doctype(*_args) -> None:
    raise MarkupError(True, "a document type declaration (DOCTYPE)")


def stream(data: bytes, tags: frozenset[str], chunk: int = 1 << 16) -> Iterator[ET.Element]:
    """The elements of a part whose tag is in ``tags``, in document order, each as soon as
    it ends and cleared (its children and text dropped) once the caller has read it;
    raises :class:`MarkupError`. Memory stays bounded by one element, not by the part."""
    text = _checked(data)
    parser = ET.XMLPullParser(events=("end",))
    try:
        for i in range(0, len(text), chunk):
            parser.feed(text[i:i + chunk])
            for _event, element in parser.read_events():
                if element.tag in tags:
                    yield element
                    element.clear()
        parser.close()
    except ET.ParseError as exc:
        raise MarkupError(False, str(exc)) from None
    for _event, element in parser.read_events():
        if element.tag in tags:
            yield element


def tags(namespaces: tuple[str, ...], *names: str) -> frozenset[str]:
    """The tags ElementTree gives ``names`` in any of ``namespaces`` ('' for none)."""
    return frozenset(f"{{{ns}}}{name}" if ns else name for ns in namespaces for name in names)


def namespace(element: ET.Element) -> str:
    """The ``{uri}`` prefix of an element's tag ('' for an element in no namespace)."""
    tag = element.tag
    return tag[:tag.index("}") + 1] if tag.startswith("{") else ""


_XSTRING = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SURROGATE = re.compile("[\ud800-\udfff]")


def decode_xstring(text: str) -> str:
    """An ``ST_Xstring`` as the text it stands for (ECMA-376 Part 1, §22.9.2.19 and §22.4.2.4):
    ``_xHHHH_`` is the UTF-16 code unit HHHH (``_x000D_`` a carriage return, two in a row a
    character beyond the BMP), and ``_x005F_`` escapes the underscore that starts one, so
    ``_x005F_x0041_`` reads ``_x0041_``. A lone surrogate reads U+FFFD."""
    if "_x" not in text:
        return text
    out = _XSTRING.sub(lambda m: chr(int(m.group(1), 16)), text)
    if _SURROGATE.search(out):
        out = out.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return out
