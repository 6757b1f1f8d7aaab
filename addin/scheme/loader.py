"""Read a scheme file: YAML → pydantic model → cross checks, or a SchemeError that
lists every problem with its path."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from addin.errors import SchemeError
from addin.scheme.checks import check_audit, check_municipal
from addin.scheme.items import KIND_NAMES
from addin.scheme.models import AuditScheme, MunicipalScheme

FILES = Path(__file__).parent / "files"

_ERROR_ZH = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段（拼写错误？）",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "decimal_parsing": "不是数字",
    "int_parsing": "不是整数",
    "int_from_float": "不是整数",
    "literal_error": "不是可选值",
    "union_tag_invalid": "未知的规则类型 kind",
    "union_tag_not_found": "缺少规则类型 kind",
    "string_type": "应为文本",
    "list_type": "应为列表",
    "dict_type": "应为映射",
    "too_short": "条目太少",
    "value_error": "取值无效",
    "string_pattern_mismatch": "格式不符",
    "bool_parsing": "应为 true/false",
}


class _DecimalLoader(yaml.SafeLoader):
    """YAML floats become exact Decimals: 0.1 stays 0.1."""


def _float_as_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    return Decimal(loader.construct_scalar(node).replace("_", ""))


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _float_as_decimal)
# Dates stay text until the model reads them, so that 2027-02-30 is a located problem of the
# file rather than a crash inside the YAML parser.
_DecimalLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def format_loc(loc: tuple[Any, ...]) -> str:
    """``('departments', 'public', 2, 'points')`` → ``departments.public[2].points``;
    discriminator tags that pydantic inserts after a list index are dropped."""
    out = ""
    prev: Any = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(prev, int) and part in KIND_NAMES:
            pass
        elif part in ("function-after", "function-before"):
            pass
        else:
            out += f".{part}" if out else str(part)
        prev = part
    return out


def _reason(err: dict[str, Any], show_values: bool = True) -> str:
    msg = err["msg"]
    zh = _ERROR_ZH.get(err["type"])
    if err["type"] == "value_error":
        # Our own validators already write "中文 [English]".
        return msg.removeprefix("Value error, ")
    got = err.get("input")
    shown = "" if isinstance(got, (dict, list)) or got is None or not show_values else f"（当前值 {got!r}）"
    return f"{zh or '无效'}{shown} [{msg}]"


def validation_issues(exc: ValidationError, *, show_values: bool = True) -> list[tuple[str, str]]:
    """pydantic's errors as ``(path, reason)`` pairs, the reason in Chinese and English;
    ``show_values=False`` never quotes what the file holds (a settings file, where a
    password typed under the wrong key must not be printed back)."""
    return [(format_loc(e["loc"]), _reason(e, show_values)) for e in exc.errors()]


def read_yaml(path: Path, error: type[Exception] = SchemeError, *, show_values: bool = True) -> Any:
    """A YAML file with exact decimals; ``error(file, issues)`` when it cannot be read
    (``show_values=False``: a syntax error names its line, column and kind, never the
    text around it)."""
    try:
        return _read_yaml(path, show_values)
    except SchemeError as exc:
        if error is SchemeError:
            raise
        raise error(exc.file, exc.issues) from exc


def _read_yaml(path: Path, show_values: bool = True) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemeError(str(path), [("", f"无法读取文件 [cannot read file: {exc}]")]) from exc
    try:
        return yaml.load(text, Loader=_DecimalLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列 " if mark else ""
        what = exc if show_values else (getattr(exc, "problem", None) or type(exc).__name__)
        raise SchemeError(str(path), [("", f"{where}YAML 语法错误 [YAML syntax error: {what}]")]) from exc


def parse_scheme(data: Any, file: str = "<scheme>") -> MunicipalScheme | AuditScheme:
    """Validate already-loaded YAML data; raise SchemeError listing every problem."""
    if not isinstance(data, dict) or data.get("type") not in ("municipal", "audit"):
        raise SchemeError(file, [("type", "应为 municipal 或 audit [type must be municipal or audit]")])
    model = MunicipalScheme if data["type"] == "municipal" else AuditScheme
    try:
        scheme = model.model_validate(data)
    except ValidationError as exc:
        raise SchemeError(file, validation_issues(exc)) from None
    issues = check_municipal(scheme) if isinstance(scheme, MunicipalScheme) else check_audit(scheme)
    if issues:
        raise SchemeError(file, issues)
    return scheme


def load_scheme(path: str | Path) -> MunicipalScheme | AuditScheme:
    path = Path(path)
    return parse_scheme(_read_yaml(path), str(path))


def scheme_hash(scheme: MunicipalScheme | AuditScheme) -> str:
    """The content hash templates and intake carry: sha256 of the canonical JSON of the
    validated scheme, so comments and layout don't change it but any rule does. Values equal
    to their defaults are left out, so a field that a newer kaohe adds (with a default)
    does not change the hash of an office's existing scheme."""
    canonical = json.dumps(scheme.model_dump(mode="json", exclude_defaults=True), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def builtin_path(name: str) -> Path:
    return FILES / f"{name}.yaml"


@cache
def load_builtin(name: str) -> MunicipalScheme | AuditScheme:
    """A shipped scheme by name (``municipal`` or ``audit``), loaded once."""
    return load_scheme(builtin_path(name))


def load_municipal(path: str | Path | None = None) -> MunicipalScheme:
    scheme = load_builtin("municipal") if path is None else load_scheme(path)
    if not isinstance(scheme, MunicipalScheme):
        raise SchemeError(str(path), [("type", "应为 municipal [expected a municipal scheme]")])
    return scheme


def load_audit(path: str | Path | None = None) -> AuditScheme:
    scheme = load_builtin("audit") if path is None else load_scheme(path)
    if not isinstance(scheme, AuditScheme):
        raise SchemeError(str(path), [("type", "应为 audit [expected an audit scheme]")])
    return scheme
