"""The clerks' tokens: for an intranet without Microsoft 365 (no Entra ID).

``kaohe serve --add-token 张三`` makes a random token, prints it once, and keeps only its
SHA-256 in the office settings (``设置.yaml``, section ``服务: 令牌:``, see
:mod:`addin.office.settings`); the clerk enters the token once in the task pane, which
sends it as the ``Authorization`` header of every call (``globalThis.getAuth`` in
xlwings Server's client). A token is 32 random bytes, so a plain SHA-256 is enough to
keep it from being read back from the file (no salt or slow hash needed for a secret that
cannot be guessed). Adding a token for a name that has one replaces it.

:func:`validate_token` is xlwings Server's ``custom`` auth provider
(``XLWINGS_AUTH_PROVIDERS=["custom"]``; ``auth/custom/__init__.py`` of the project folder):
it returns the clerk as xlwings Server's ``User``, whose name its routes and ours log,
never the token; an unknown or missing token is HTTP 401. An office with Entra ID sets
``XLWINGS_AUTH_PROVIDERS='["entraid"]'`` and xlwings Server's own provider applies instead.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from pathlib import Path

from addin.errors import KaoheError, SettingsError

NAME = re.compile(r"^[^\s:#\"'{}\[\],&*!|>%@`]{1,40}$")


class TokenError(KaoheError):
    """A token could not be added (a bad name, a settings file kaohe cannot edit)."""


def token_hash(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def clerk_of(token: str, tokens: dict[str, str]) -> str | None:
    """The clerk whose hash ``token`` matches (compared in constant time), or None."""
    if not token:
        return None
    digest = token_hash(token.removeprefix("Bearer ").strip())
    found = None
    for name, kept in tokens.items():
        if hmac.compare_digest(digest, kept):
            found = name
    return found


def add_token(folder: Path, name: str) -> str:
    """A new token for ``name``, its hash written into the office settings of ``folder``
    (the file's comments and other sections kept as they are); returns the token."""
    from addin.office.settings import load_settings, settings_path
    from addin.workbook.atomic import write_atomically

    name = name.strip()
    if not NAME.match(name):
        raise TokenError(f"令牌名称“{name}”不可用：请用 1–40 个字的姓名，不含空格和 : # 等符号 [a name of 1-40 "
                         f"characters without spaces or YAML symbols]")
    path = settings_path(folder)
    old = load_settings(folder).serve.tokens.get(name)  # a bad file stops here, with its reason
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    token = secrets.token_urlsafe(32)
    line = f"    {name}: {token_hash(token)}\n"
    if old is not None:
        text = re.sub(rf"^.*{old}.*\n?", "", text, count=1, flags=re.M)
    block = re.search(r"^  令牌:[ \t]*(#.*)?\n", text, flags=re.M)
    if block:
        text = text[:block.end()] + line + text[block.end():]
    elif re.search(r"^服务:", text, flags=re.M):
        raise TokenError(f"{path}：“服务”一节的格式无法自动修改，请按 addin/office/settings.py 的样式写成“服务:”下一行"
                         f"“  令牌:” [cannot edit the 服务 section]")
    else:
        text = (text if text.endswith("\n") or not text else text + "\n") + "\n服务:\n  令牌:\n" + line
    write_atomically(path, text.encode("utf-8"), backup=False)
    try:
        kept = load_settings(folder).serve.tokens.get(name)
    except SettingsError:
        write_atomically(path, (path.read_text(encoding="utf-8").replace(line, "")).encode("utf-8"), backup=False)
        raise
    if kept != token_hash(token):
        raise TokenError(f"{path}：写入令牌后未能读回，请检查“服务”一节 [the token was not read back]")
    return token


async def validate_token(token_string: str):
    """xlwings Server's ``custom`` provider: the clerk of ``token_string``, else 401."""
    from fastapi import HTTPException, status
    from xlwings_server.models import User

    from addin.serve.year import served_year

    name = clerk_of(token_string, served_year().tokens())
    if name is None:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED,
                            detail="令牌无效或缺失：请在“目标考核”任务窗格中输入考核办发给您的令牌 [invalid or missing token]")
    return User(id=name, name=name)
