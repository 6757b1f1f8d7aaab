"""Half-year reports filed for the record (备案).

The seed: departments report their work in writing twice a year, and send the half-year
report to their 分口考核组 and to the office for 备案. A report is any document (.docx,
.pdf, an .xlsx that is not a template): it carries no scores, so it is neither checked nor
rejected — it is recorded as filed, with the unit its sender's address is on record for,
kept in the archive, listed in the receipt, answered, and counted by ``kaohe remind
--half-year``. A file is taken for a half-year report when its name or its message's
subject says so (:data:`HALF_YEAR_WORDS`) and it is no template of ours.
"""

from __future__ import annotations

from addin.intake.mail import Envelope
from addin.mail.addresses import matches
from addin.office.roster import Roster, RosterUnit
from addin.problems import Problem

FILED = "filed"
HALF_YEAR_WORDS = ("半年", "上半年", "半年度")
"""What a clerk writes in a half-year report's file name or subject (上半年工作总结, 半年报告)."""
REPORT = "半年工作报告"


def is_half_year_report(env: Envelope) -> bool:
    """The file's name or its message's subject says it is a half-year report."""
    text = f"{env.file_name} {env.subject or ''}"
    return any(word in text for word in HALF_YEAR_WORDS)


def unit_of_address(address: str | None, roster: Roster) -> RosterUnit | None:
    """The one unit whose 报送邮箱 the address is (an address, or a domain several units
    share, names none)."""
    if not address:
        return None
    found = [u for u in roster.units if u.mailboxes and matches(address, u.mailboxes)]
    return found[0] if len(found) == 1 else None


def filing_notes(env: Envelope, roster: Roster) -> tuple[RosterUnit | None, list[Problem]]:
    """The unit a filed report is recorded for, and a warning when none is on record for
    its sender (the office assigns it)."""
    unit = unit_of_address(env.mailer, roster)
    if unit is not None:
        return unit, []
    return None, [Problem("filing_unit_unknown", f"已备案，但发件人 {env.mailer or '（未知）'} 不是任何单位登记的报送邮箱，"
                                                 f"请考核办核对是哪个单位的{REPORT} [filed: the sender is no unit's address "
                                                 f"on record]", severity="warning", file=env.file_name)]
