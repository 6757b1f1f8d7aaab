"""The identity of a kaohe workbook: its metadata sheet and its defined names.

Templates write both; intake reads both. The metadata sheet (``_kaohe``) is very hidden
and protected; it holds one ``key | value`` pair per row. Every input cell is reached by
a defined name ``KH_IN_…`` and every result cell by ``KH_OUT_…``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import asdict, dataclass, fields

META_SHEET = "_kaohe"
IN_PREFIX = "KH_IN_"
OUT_PREFIX = "KH_OUT_"
GENERATOR = "kaohe"
ADDIN_FILE = "kaohe.xlam"
FORMULA_FORMS = ("addin", "native")
"""How a template computes: ``addin`` calls the add-in's functions (=ITEM_SCORE), ``native``
uses ordinary formulas compiled from the scheme (addin.native_formula)."""
"""The add-in file: Excel records its functions as an external link to this file."""

#: Template kinds: id → the name clerks see.
KINDS: dict[str, str] = {
    "appendix": "附表",
    "target-book": "目标责任书",
    "district-book": "区(市)目标责任书",
    "scoring-sheet": "分口业务目标评分表",
    "register": "加减分登记表",
    "staff-roster": "工作人员考核名册",
    "staff-form": "工作人员年度考核表",
    "staff-book": "工作人员目标责任书",
    "audit-form": "审计机关目标考评表",
    "master": "考核办汇总工作簿",
}


@dataclass(frozen=True)
class Identity:
    template_kind: str
    """A KINDS key, or ``appendix:<table id>`` for an appendix table."""
    scheme_id: str
    scheme_version: str
    scheme_hash: str
    year: int
    unit_code: str
    unit_name: str
    template_id: str
    generator_version: str
    formulas: str = "addin"
    """How the template computes: ``addin`` (=ITEM_SCORE) or ``native`` (ordinary formulas).
    Not part of the keyed id: the office may reissue a template in the other form."""

    def rows(self) -> list[tuple[str, str]]:
        return [(k, str(v)) for k, v in asdict(self).items()]

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in fields(cls)]


OPEN_STAFF_ROSTER = "staff-roster:open"
"""The key of the staff roster issued to a unit with nobody on the roster (codes and
names typed by the unit): keyed apart from the listed form, so neither passes for the other."""


def make_template_id(kind: str, scheme_hash: str, year: int, unit_code: str, secret: bytes) -> str:
    """An HMAC-SHA256 over (kind, unit, year, scheme hash) keyed with the office secret:
    only the office can make the id of another unit's or another kind's template, so
    metadata edited by hand or copied from another template does not match. The same
    inputs and secret give the same id (templates stay deterministic)."""
    text = f"{kind}|{unit_code}|{year}|{scheme_hash}"
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _part(text: str) -> str:
    """A fragment of a defined name: letters (Chinese included), digits and underscores;
    1.1 → 1_1, X3.1 → X3_1, 附表4B stays 附表4B."""
    out = re.sub(r"[^\w]", "_", text)
    return out or "_"


def input_name(*parts: str) -> str:
    """``KH_IN_<parts>``: the defined name of an input cell or column."""
    return IN_PREFIX + "_".join(_part(p) for p in parts)


def output_name(*parts: str) -> str:
    """``KH_OUT_<parts>``: the defined name of a result cell or column."""
    return OUT_PREFIX + "_".join(_part(p) for p in parts)
