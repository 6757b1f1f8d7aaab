"""What changed in the rules between two schemes: every field path whose value differs,
in the scheme's own terms (``departments.awards.quota.rate: 0.1 → 0.12``)."""

from __future__ import annotations

from typing import Any

from addin.scheme.models import AuditScheme, MunicipalScheme


def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) and "id" in v for v in value):
        for item in value:  # lists of items or tables: matched by id, not by position
            _flatten(item, f"{path}[{item['id']}]", out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
        for item in value:
            _flatten(item, f"{path}[{item['name']}]", out)
    else:
        out[path] = value


def compare_schemes(old: MunicipalScheme | AuditScheme, new: MunicipalScheme | AuditScheme
                    ) -> list[tuple[str, Any, Any]]:
    """``(path, old value, new value)`` for every difference; None stands for absent."""
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    _flatten(old.model_dump(mode="json"), "", a)
    _flatten(new.model_dump(mode="json"), "", b)
    return [(path, a.get(path), b.get(path)) for path in sorted(a.keys() | b.keys()) if a.get(path) != b.get(path)]
