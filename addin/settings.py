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

A unit's own addresses are the 报送邮箱 column of the master's 部门 and 区市 tables (from
the roster). An entry with an ``@`` is one address; one without (or starting with ``@``)
is a whole domain.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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


class Settings(_Model):
    submission: SubmissionSettings = Field(default_factory=SubmissionSettings, alias="报送")


def load_settings(folder: Path) -> Settings:
    """The settings of the year folder ``folder`` (defaults when it has no settings file)."""
    path = Path(folder) / SETTINGS_FILE
    if not path.is_file():
        return Settings()
    data = read_yaml(path, SettingsError) or {}
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(str(path), validation_issues(exc)) from None
