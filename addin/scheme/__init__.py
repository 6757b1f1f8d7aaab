"""Schemes: the rules as data.

A scheme is a YAML file validated by pydantic models that forbid unknown fields
(``models``/``items``), then checked for totals (``checks``). ``loader`` reads a file and
reports every problem with the file, the path (``departments.public[2].points``) and the
reason. The shipped schemes live in ``files/``.
"""

from addin.scheme.loader import builtin_path, load_audit, load_builtin, load_municipal, load_scheme
from addin.scheme.models import AuditScheme, MunicipalScheme

__all__ = [
    "AuditScheme",
    "MunicipalScheme",
    "builtin_path",
    "load_audit",
    "load_builtin",
    "load_municipal",
    "load_scheme",
]
