"""催报: a message to each unit that has not yet sent an expected template, listing what is
missing and the deadline, to the unit's 报送邮箱 (addresses only: a domain cannot be
written to). Composing is pure; :mod:`addin.mail.outbox` sends or writes them."""

from __future__ import annotations

import datetime as dt
import email.utils
from email.message import EmailMessage

from addin.mail.headers import SEND_POLICY, verify_headers
from addin.intake.receipt import kind_label
from addin.mail.outbox import Outgoing
from addin.problems import Problem
from addin.mail.replies import valid_address
from addin.office.roster import Roster


def compose_reminders(missing: list[tuple[str, str, str]], roster: Roster, *, deadline: dt.date, mail_from: str,
                      year: int, office: str = "市考核办", now: dt.datetime | None = None
                      ) -> tuple[list[Outgoing], list[Problem]]:
    """One reminder per unit with templates missing (``missing``: unit code, name, kind)."""
    now = now or dt.datetime.now(dt.UTC)
    by_unit: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for code, name, kind in missing:
        by_unit.setdefault(code, []).append(kind)
        names[code] = name
    units = {u.code: u for u in roster.units}
    domain = mail_from.rpartition("@")[2] or "localhost"
    today = now.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    out: list[Outgoing] = []
    problems: list[Problem] = []
    for code, kinds in by_unit.items():
        unit = units.get(code)
        addresses = [a for a in (valid_address(m) for m in (unit.mailboxes if unit else ())) if a]
        if not addresses:
            problems.append(Problem("no_address", f"{code} {names[code]} 未登记报送邮箱（或只登记了域名），无法催报；"
                                                  f"请在汇总工作簿“报送邮箱”列填写 [no address to remind {code}]",
                                    severity="warning", record=code))
            continue
        listed = "\n".join(f"  {n}. {kind_label(k)}" for n, k in enumerate(kinds, start=1))
        body = (f"{names[code]}：\n\n截至{today:%Y年%m月%d日}，{office}尚未收到贵单位{year}年度目标管理考核的以下材料：\n\n"
                f"{listed}\n\n请于{deadline:%Y年%m月%d日}前，使用{office}下发的模板填写，发送至 {mail_from}。"
                f"已经发送的，请忽略本通知；如对名单有疑问，请联系{office}。\n\n{office}\n{today:%Y年%m月%d日}\n")
        set_headers = {"From": mail_from, "To": ", ".join(addresses),
                       "Subject": f"催报：{year}年度目标管理考核材料（{deadline:%m月%d日}截止）",
                       "Date": email.utils.format_datetime(now),
                       "Message-ID": email.utils.make_msgid("kaohe-remind", domain=domain),
                       "Auto-Submitted": "auto-generated"}
        msg = EmailMessage(policy=SEND_POLICY)
        for key, value in set_headers.items():
            msg[key] = value
        msg.set_content(body, charset="utf-8")
        wrong = verify_headers(msg, set_headers)
        if wrong:
            problems.append(Problem("reminder_headers", f"{code}：催报邮件头未通过核对，未发送 [the reminder's headers "
                                                        f"did not parse back as set: {wrong[:200]}]", record=code))
            continue
        out.append(Outgoing(msg, addresses, code, missing=tuple(kinds)))
    return out, problems
