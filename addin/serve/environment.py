"""xlwings Server's settings for kaohe, and whether the extra is installed.

xlwings Server reads its settings once, from ``XLWINGS_*`` environment variables, when
``xlwings_server.config`` is first imported (``class Settings(BaseSettings)`` with
``env_prefix="XLWINGS_"``), so :func:`configure_server` runs before that import. Some are
kaohe's and always set; the office may set the others itself (an xlwings licence key,
``XLWINGS_AUTH_PROVIDERS='["entraid"]'`` with Entra ID's settings).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent / "project"
"""xlwings Server's project folder: ``custom_functions``, ``custom_scripts`` and the
``custom`` auth provider, each a few lines pointing into kaohe (xlwings Server imports them
by these top-level names from ``XLWINGS_PROJECT_DIR``)."""

MANIFEST_ID = "68979413-e050-45c2-a2d4-7b6025d54d14"
"""kaohe's own add-in id (a UUID made once for kaohe), never xlwings' shared default."""

LICENCE_NOTE = ("xlwings Server 以 PolyForm Noncommercial 1.0.0 许可发布：政府机关属其允许的用途，其文档将内部工具视为商业用途，"
                "如有疑问请联系 xlwings 取得商业许可 [xlwings Server is licensed under PolyForm Noncommercial 1.0.0: "
                "government institutions are a permitted purpose; its docs call internal tools commercial]")

KAOHE_SETTINGS = {
    "XLWINGS_PROJECT_DIR": str(PROJECT_DIR),
    "XLWINGS_ENVIRONMENT": "prod",  # plain names: with prod and no namespace, =ASSESS_COMPOSITE()
    "XLWINGS_FUNCTIONS_NAMESPACE": "",
    "XLWINGS_MANIFEST_ID_PROD": MANIFEST_ID,
    "XLWINGS_PROJECT_NAME": "目标考核",
    "XLWINGS_ENABLE_SOCKETIO": "false",  # no streaming functions
    "XLWINGS_ENABLE_EXAMPLES": "false",
    "DOTENV_PATH": str(PROJECT_DIR / ".env"),  # never the .env of the folder it runs in
}
OFFICE_DEFAULTS = {
    "XLWINGS_LICENSE_KEY": "noncommercial",  # xlwings' own value for the PolyForm Noncommercial licence
    "XLWINGS_AUTH_PROVIDERS": '["custom"]',  # the clerks' tokens (addin/serve/tokens.py)
}


class ServerMissing(Exception):
    """The extra ``kaohe[server]`` is not installed."""


def require_server() -> None:
    """Raise :class:`ServerMissing` with the one line to show when xlwings Server is absent."""
    if importlib.util.find_spec("xlwings_server") is None or importlib.util.find_spec("uvicorn") is None:
        raise ServerMissing('未安装 xlwings Server：请运行 pip install "kaohe[server]" [the server extra is not installed]')


def configure_server() -> None:
    """Set xlwings Server's settings (before its first import; later calls change nothing)."""
    os.environ.update(KAOHE_SETTINGS)
    for name, value in OFFICE_DEFAULTS.items():
        os.environ.setdefault(name, value)
    _register_officejs()


def _register_officejs() -> None:
    """xlwings registers its ``officejs`` engine when it is first imported, and only if the
    licence key is set then (``from .pro import _xlofficejs`` in ``xlwings/__init__.py``,
    its LicenseError swallowed). When xlwings was imported before the key was set (the
    desktop UDFs import it), the engine is added now, the way xlwings adds it."""
    import sys

    xw = sys.modules.get("xlwings")
    if xw is None or any(engine.name == "officejs" for engine in xw.engines):
        return
    from xlwings.pro import _xlofficejs, _xlremote

    xw.engines.add(xw.main.Engine(impl=_xlremote.engine))
    xw.engines.add(xw.main.Engine(impl=_xlofficejs.engine))
