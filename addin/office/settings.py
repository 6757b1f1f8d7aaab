"""The year folder's settings: ``设置.yaml`` beside the master workbook.

Only what the office decides about its own set-up lives here (who may send what); the
rules of the assessment live in the scheme. Every section is optional, and a missing
file means the defaults. Validated by pydantic with ``extra="forbid"``: a bad file fails
with the file, the path and the reason, like a scheme.

    报送:
      考核办邮箱: [khb@example.gov.cn]          # the office's own addresses (or domains)
      评分单位邮箱:                              # bodies that score an appendix for every unit,
        市纪委(监察局): [jw@example.gov.cn]      #   keyed by the table's scored_by in the scheme
      分口邮箱:                                  # sector groups, for their scoring sheets
        综合口: [zhk@example.gov.cn]
      认证服务器: [mx.khb.example.gov.cn]        # authserv-id of the office's own mail server

    邮箱:                                        # the office mailbox (kaohe fetch, --reply, remind)
      收件服务器: imap.example.gov.cn            # IMAP host
      收件端口: 993
      收件加密: ssl                              # ssl, starttls, or none (a loopback test only)
      收件用户: khb@example.gov.cn
      收件文件夹: INBOX
      发件服务器: smtp.example.gov.cn            # SMTP host
      发件端口: 465
      发件加密: ssl
      发件用户: khb@example.gov.cn
      发件地址: khb@example.gov.cn              # the From of replies and reminders
      根证书: /etc/ssl/certs/gov-ca.pem         # optional: the CA of an internal mail server
      报送截止: 2027-01-15                      # the deadline reminders name

    服务:                                        # kaohe serve: the clerks' tokens, hashed
      令牌:                                      #   (kaohe serve --add-token NAME writes them)
        张三: sha256:5e88…                       #   SHA-256 of the token, never the token

Passwords never go in this file: they come from the environment (``KAOHE_IMAP_PASSWORD``,
``KAOHE_SMTP_PASSWORD``) or the OS keyring (see :mod:`addin.mail.servers`).

A unit's own addresses are the 报送邮箱 column of the master's 部门 and 区市 tables (from
the roster). An entry with an ``@`` is one address; one without (or starting with ``@``)
is a whole domain.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from addin.errors import SettingsError
from addin.scheme.loader import read_yaml, validation_issues

SETTINGS_FILE = "设置.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SubmissionSettings(_Model):
    """报送: who may send what."""

    office: tuple[str, ...] = Field((), alias="考核办邮箱")
    scorers: dict[str, tuple[str, ...]] = Field(default_factory=dict, alias="评分单位邮箱")
    groups: dict[str, tuple[str, ...]] = Field(default_factory=dict, alias="分口邮箱")
    auth_servers: tuple[str, ...] = Field((), alias="认证服务器")


Security = Literal["ssl", "starttls", "none"]

_PASSWORD_KEYS = ("密码", "口令", "password", "收件密码", "发件密码", "授权码")


class MailSettings(_Model):
    """邮箱: the office mailbox. Every field may also come from a KAOHE_* variable."""

    imap_host: str | None = Field(None, alias="收件服务器")
    imap_port: int | None = Field(None, alias="收件端口", gt=0, lt=65536)
    imap_security: Security = Field("ssl", alias="收件加密")
    imap_user: str | None = Field(None, alias="收件用户")
    imap_folder: str = Field("INBOX", alias="收件文件夹")
    smtp_host: str | None = Field(None, alias="发件服务器")
    smtp_port: int | None = Field(None, alias="发件端口", gt=0, lt=65536)
    smtp_security: Security = Field("ssl", alias="发件加密")
    smtp_user: str | None = Field(None, alias="发件用户")
    mail_from: str | None = Field(None, alias="发件地址")
    cafile: str | None = Field(None, alias="根证书")
    deadline: dt.date | None = Field(None, alias="报送截止")

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data):
        if isinstance(data, dict):
            for key in data:
                if str(key).lower() in _PASSWORD_KEYS or "密码" in str(key):
                    raise ValueError(f"“{key}”：密码不能写在设置文件中，请用环境变量 KAOHE_IMAP_PASSWORD / "
                                     f"KAOHE_SMTP_PASSWORD 或系统钥匙串 [passwords never go in the settings file]")
        return data


class ServeSettings(_Model):
    """服务: ``kaohe serve``'s clerks, each with the SHA-256 of their token (addin/serve/tokens.py)."""

    tokens: dict[str, Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]] = Field(default_factory=dict,
                                                                                       alias="令牌")


class Settings(_Model):
    submission: SubmissionSettings = Field(default_factory=SubmissionSettings, alias="报送")
    mail: MailSettings = Field(default_factory=MailSettings, alias="邮箱")
    serve: ServeSettings = Field(default_factory=ServeSettings, alias="服务")


def settings_path(folder: Path) -> Path:
    """Where the settings of ``folder`` are: the office's ``设置.yaml`` for a year folder of
    an office (the year folder's own until it is merged, for a folder made before the
    office), else the folder's own."""
    from addin.office.folder import office_of

    own = Path(folder) / SETTINGS_FILE
    office = office_of(Path(folder))
    if office is not None and ((office / SETTINGS_FILE).exists() or not own.exists()):
        return office / SETTINGS_FILE
    return own


def load_settings(folder: Path) -> Settings:
    """The settings of ``folder`` (see :func:`settings_path`; defaults when there is no
    settings file)."""
    path = settings_path(folder)
    if not path.is_file():
        return Settings()
    data = read_yaml(path, SettingsError, show_values=False) or {}
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(str(path), validation_issues(exc, show_values=False)) from None
