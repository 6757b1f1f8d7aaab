"""Find an item by its id across the schemes (``A3.1``, ``1.1``, or ``附表1:1.1``)."""

from __future__ import annotations

from addin import problems as P
from addin.problems import Problem
from addin.scheme.items import ItemBase
from addin.scheme.models import AuditScheme, MunicipalScheme


def all_items(municipal: MunicipalScheme, audit: AuditScheme) -> list[tuple[str, ItemBase]]:
    """Every top-level item with the table or category that holds it."""
    out = [(t.id, i) for t in municipal.tables for i in t.items]
    out += [(c.id, i) for c in audit.categories for i in c.items]
    return out


def find_item(ref: object, municipal: MunicipalScheme, audit: AuditScheme) -> tuple[ItemBase | None, Problem | None]:
    if ref is None or str(ref).strip() == "":
        return None, P.missing("项目编号 item", field="item")
    text = str(ref).strip()
    if isinstance(ref, float) and ref.is_integer():
        text = str(int(ref))
    holder, _, item_id = text.rpartition(":") if ":" in text else ("", "", text)
    matches = [(h, i) for h, i in all_items(municipal, audit) if i.id == item_id and (not holder or h == holder)]
    if len(matches) == 1:
        return matches[0][1], None
    if not matches:
        return None, Problem(
            "unknown_item",
            f"方案中没有项目 {text}（如 A3.1、附表1:1.1） [no item {text} in the schemes, e.g. A3.1 or 附表1:1.1]",
            field="item", value=text, allowed="方案中的项目编号 an item id of the schemes")
    holders = "、".join(f"{h}:{item_id}" for h, _ in matches)
    return None, Problem(
        "ambiguous_item",
        f"项目编号 {text} 不唯一，请写作 {holders} [item id {text} is ambiguous; write one of {holders}]",
        field="item", value=text, allowed=holders)
