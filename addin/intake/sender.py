"""Who may send what. From can be forged, so it is one signal among several: a file
whose sender is not among those allowed for its unit and template, or whose message the
office's own server marked as failing SPF, DKIM or DMARC, is **held** (暂缓，待核实): kept,
listed, not applied, until the office checks it by phone and releases it.

Allowed senders of a template:
- the office's own addresses, for anything;
- office-only templates (加分登记): the office only;
- a sector group's scoring sheet: that group's addresses;
- a unit's template: the unit's own addresses (the master's 报送邮箱), and for an appendix
  table the addresses of the body that scores it for every unit (``scored_by``).

Where no address is configured for a case, nothing can be compared: the file is taken as
before, and the receipt says once which senders were not checked. Files saved straight into the inbox (not mail) were
put there by the office and are not checked.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass

from addin.intake.mail import Envelope
from addin.mailbox import matches
from addin.problems import Problem
from addin.scheme.models import MunicipalScheme
from addin.settings import SubmissionSettings
from addin.workbook.identity import Identity

OFFICE_ONLY_KINDS = ("register",)
_FAIL = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*fail\b", re.IGNORECASE)


@dataclass(frozen=True)
class SenderVerdict:
    hold: tuple[Problem, ...] = ()
    unchecked: str | None = None
    """Who had no address on record (the file is taken as before; the batch reports it once)."""


def _hold(code: str, zh: str, en: str, env: Envelope) -> Problem:
    return Problem(code, f"暂缓，待核实：{zh}；请电话核实后由考核办放行（kaohe intake --release） [held: {en}]",
                   severity="warning", file=env.file_name, value=env.mailer)


def failed_authentication(env: Envelope, servers: tuple[str, ...]) -> str | None:
    """The failing mechanisms stamped by the office's own server: the headers whose
    authserv-id is one of ``servers``, or, with none configured, the topmost header
    (added last, by the receiving server; a sender can only add headers below it)."""
    headers = env.auth_results
    if servers:
        wanted = {s.lower() for s in servers}
        headers = tuple(h for h in headers if h.split(";", 1)[0].strip().lower() in wanted)
    else:
        headers = headers[:1]
    failed = sorted({m.group(1).lower() for h in headers for m in _FAIL.finditer(h)})
    return "、".join(failed) or None


def check_sender(env: Envelope, identity: Identity, *, settings: SubmissionSettings, scheme: MunicipalScheme,
                 unit_mailboxes: dict[str, tuple[str, ...]]) -> SenderVerdict:
    """Hold or warn, as the module's docstring says."""
    if env.loose:
        return SenderVerdict()
    addresses = [a for _, a in email.utils.getaddresses([env.mailer or ""]) if "@" in a]
    if len(addresses) != 1:
        return SenderVerdict(hold=(_hold("sender_unclear", f"发件人地址无法识别（{env.mailer or '空'}）",
                                         "the From address cannot be read", env),))
    address = addresses[0]
    failed = failed_authentication(env, settings.auth_servers)
    if failed:
        return SenderVerdict(hold=(_hold("sender_unauthenticated", f"本单位邮件服务器判定发件人认证失败（{failed}=fail）",
                                         f"the office's mail server marked the message {failed}=fail", env),))
    office = settings.office
    if office and matches(address, office):
        return SenderVerdict()
    base = identity.template_kind.split(":")[0]
    if base in OFFICE_ONLY_KINDS:
        if not office:
            return SenderVerdict(unchecked="考核办")
        return SenderVerdict(hold=(_hold("sender_not_office", f"{address} 不是考核办邮箱，此表只能由考核办报送",
                                         "an office-only template from an outside address", env),))
    if base == "scoring-sheet":
        group = identity.unit_code.removeprefix("G-")
        allowed = settings.groups.get(group, ())
        who = f"{group}考核组"
    else:
        allowed = unit_mailboxes.get(identity.unit_code, ())
        who = f"{identity.unit_code} {identity.unit_name}"
        if base == "appendix":
            table = scheme.table(identity.template_kind.split(":")[1])
            allowed = (*allowed, *settings.scorers.get(table.scored_by, ()))
            who += f" 或 {table.scored_by}"
    if not allowed:
        return SenderVerdict(unchecked=who)
    if matches(address, allowed):
        return SenderVerdict()
    return SenderVerdict(hold=(_hold("sender_mismatch", f"发件人 {address} 不是{who}登记的报送邮箱",
                                     f"{address} is not an address on record for this unit or template", env),))
