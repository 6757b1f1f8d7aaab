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

from dataclasses import dataclass

from addin.intake.mail import Envelope
from addin.mail.addresses import matches
from addin.problems import Problem
from addin.scheme.models import MunicipalScheme
from addin.office.settings import SubmissionSettings
from addin.workbook.identity import Identity

OFFICE_ONLY_KINDS = ("register",)
_FAIL_RESULTS = ("fail", "permerror")
"""Results that hold a message (RFC 8601 §2.7: ``fail``; ``permerror`` is a record the
sender's domain cannot get right, which a forger can cause as easily)."""
_METHODS = ("spf", "dkim", "dmarc")


@dataclass(frozen=True)
class SenderVerdict:
    hold: tuple[Problem, ...] = ()
    unchecked: str | None = None
    """Who had no address on record (the file is taken as before; the batch reports it once)."""
    group: str | None = None
    """The sector group whose address sent an office-only register: it may register its
    own units only (the 加分登记 is scored by each 口考核组)."""


def _hold(code: str, zh: str, en: str, env: Envelope) -> Problem:
    return Problem(code, f"暂缓，待核实：{zh}；请电话核实后由考核办放行（kaohe intake --release） [held: {en}]",
                   severity="warning", file=env.file_name, value=env.mailer or _shown(env.mailer_text))


def _shown(text: str | None, limit: int = 120) -> str:
    """A stranger's header text, one line and bounded, for the office's eyes."""
    return "".join(ch if ch.isprintable() else " " for ch in (text or ""))[:limit]


def _uncomment(text: str) -> str:
    """``text`` without RFC 5322 comments (nested parentheses, outside quoted strings),
    each replaced by a space; one pass."""
    out, depth, quoted, escaped = [], 0, False, False
    for ch in text:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if quoted:
            out.append(ch)
            quoted = ch != '"'
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if not depth:
                out.append(" ")
        elif depth == 0:
            out.append(ch)
            quoted = ch == '"'
    return "".join(out)


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts, current, quoted, escaped = [], [], False, False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def parse_auth_results(header: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(authserv-id, ((method, result), …)) of one ``Authentication-Results`` value
    (RFC 8601 §2.2): comments anywhere are removed, the authserv-id is the first token
    or quoted string, an optional version number follows it, then each ``;``-separated
    resinfo begins ``method[/version] = result``. Method and result are lower-cased; a
    resinfo that does not parse is left out (it cannot hold a message, and cannot
    release one either)."""
    parts = _split_outside_quotes(_uncomment(str(header)), ";")
    head = parts[0].split()
    authserv = head[0].strip('"').lower() if head else ""
    results = []
    for resinfo in parts[1:]:
        method, eq, rest = resinfo.partition("=")
        words = rest.split()
        if not eq or not words:
            continue
        results.append((method.strip().split("/")[0].strip().lower(), words[0].strip().lower()))
    return authserv, tuple(results)


def _failed(headers: tuple[str, ...], servers: tuple[str, ...]) -> str | None:
    if servers:
        wanted = {s.lower() for s in servers}
        parsed = [parse_auth_results(h) for h in headers]
        results = [r for authserv, rs in parsed if authserv in wanted for r in rs]
    else:
        results = [r for h in headers[:1] for r in parse_auth_results(h)[1]]
    failed = sorted({m for m, result in results if m in _METHODS and result in _FAIL_RESULTS})
    return "、".join(failed) or None


def failed_authentication(env: Envelope, servers: tuple[str, ...]) -> str | None:
    """The failing mechanisms stamped by the office's own server: the headers whose
    authserv-id is one of ``servers``, or, with none configured, the topmost header
    (added last, by the receiving server; a sender can only add headers below it)."""
    return _failed(env.auth_results, servers)


def check_sender(env: Envelope, identity: Identity, *, settings: SubmissionSettings, scheme: MunicipalScheme,
                 unit_mailboxes: dict[str, tuple[str, ...]]) -> SenderVerdict:
    """Hold or warn, as the module's docstring says."""
    if env.loose:
        return SenderVerdict()
    address = env.mailer
    if address is None:
        return SenderVerdict(hold=(_hold("sender_unclear", f"发件人（From）不是唯一一个可识别的邮箱地址"
                                         f"（{_shown(env.mailer_text) or '空'}）",
                                         "the From header does not name exactly one address", env),))
    failed = failed_authentication(env, settings.auth_servers)
    if failed:
        return SenderVerdict(hold=(_hold("sender_unauthenticated", f"本单位邮件服务器判定发件人认证失败（{failed}=fail）",
                                         f"the office's mail server marked the message {failed}=fail", env),))
    office = settings.office
    if office and matches(address, office):
        forwarded = _failed(env.forwarded_auth, settings.auth_servers)
        if forwarded:
            return SenderVerdict(hold=(_hold(
                "sender_forwarded_unauthenticated",
                f"考核办转发的邮件，原邮件曾被本单位邮件服务器判定认证失败（{forwarded}=fail），附件来源未经证实",
                f"the office forwarded a message its own mail server had marked {forwarded}=fail", env),))
        return SenderVerdict()
    base = identity.template_kind.split(":")[0]
    if base in OFFICE_ONLY_KINDS:
        group = next((g for g, allowed in settings.groups.items() if allowed and matches(address, allowed)), None)
        if group is not None:
            return SenderVerdict(group=group)
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
