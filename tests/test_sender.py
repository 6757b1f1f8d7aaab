"""Issue 21 (trust, round 3) at the mailbox: who the sender is, what we write back, and
what a stranger can learn or park. Messages are written as the wire carries them (raw
header lines), taken in through the ``kaohe`` command or ``run_intake``, and replies are
sent to an aiosmtpd server on 127.0.0.1 and parsed back with the standard parser."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.errors
import email.utils
import hashlib
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import mailservers as M
from addin.cli import app
from addin.mail.headers import message_id, verify_headers
from addin.intake.mail import read_eml
from addin.intake.run import ACCEPTED, DUPLICATE, HELD, SUPERSEDED, WARNING, BatchResult, Outcome
from addin.intake.sender import parse_auth_results
from addin.intake.store import Store
from addin.mail.addresses import sender_address
from addin.mail.replies import compose_replies, messages_to_answer
from addin.office.settings import SETTINGS_FILE
from fill import APPENDIX1_FULL, eml
from test_intake import by_name, filled, master_value, run, templates, work  # noqa: F401
from test_trust import mailboxes, settings as write_settings

UTC = dt.UTC
runner = CliRunner()
OFFICE = "khb@example.gov.cn"


def b64word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def raw_header(path: Path, name: str, value: str, *, count: int = 1) -> Path:
    """Replace the message's ``name`` header with ``value`` exactly as given (``count``
    times, at the top), as a hostile mailer would write it on the wire."""
    data = path.read_bytes()
    head, sep, body = data.partition(b"\n\n")
    fields: list[list[bytes]] = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1].append(line)  # a folded continuation belongs to the field above
        else:
            fields.append([line])
    kept = [f for f in fields if not f[0].lower().startswith(name.lower().encode() + b":")]
    new = [[f"{name}: {value}".encode("utf-8", "surrogateescape")]] * count
    path.write_bytes(b"\n".join(line for f in new + kept for line in f) + sep + body)
    return path


def intake(work, *extra: str):
    return runner.invoke(app, ["intake", str(work / "inbox"), "--master", str(work / "master.xlsx"), *extra],
                         terminal_width=200)


def shown(text: str, output: str) -> bool:
    """``text`` appears in the console output, however the console wrapped its lines."""
    return "".join(text.split()) in "".join(output.split())


def store_row(work, sid: int):
    store = Store(work / "master.kaohe.sqlite")
    try:
        return store.submission(sid)
    finally:
        store.close()


# --- the sender is the address every mail server sees -------------------------------------------


def test_sender_address__the_red_teams_encoded_display_name_is_attacker_example():
    """Finding 1: the address inside encoded words is display text (RFC 2047 §5: an
    encoded word never forms an addr-spec); the addr-spec is evil@attacker.example."""
    header = f'{b64word(chr(60) + chr(34) + "b001@fgw.example.gov.cn (" + chr(34) + ">")} <evil@attacker.example> ' \
             f'({b64word("<" + chr(34) + ")" + chr(34) + ">")})'
    assert sender_address([header]) == "evil@attacker.example"


@pytest.mark.parametrize(("values", "expected"), [
    (["b001@example.gov.cn"], "b001@example.gov.cn"),
    (["张三 <b001@example.gov.cn>"], "b001@example.gov.cn"),
    ([f"{b64word('张三')} <b001@example.gov.cn> (办公室)"], "b001@example.gov.cn"),
    (["b001@example.gov.cn", "evil@attacker.example"], None),  # From given twice (RFC 5322 §3.6: once)
    (["b001@example.gov.cn, evil@attacker.example"], None),  # two mailboxes
    (["报送组: b001@example.gov.cn;"], None),  # a group is not a mailbox
    ([b64word("b001@example.gov.cn")], None),  # an encoded word is never an address
    (["nobody"], None),
    ([], None),
    (["b001@example.gov.cn <evil@attacker.example>"], None),  # the parser guesses b001; servers read evil
    (["张三 <b001@example.gov.cn"], None),  # unclosed angle bracket
    (["John Q. Public <b001@example.gov.cn>"], "b001@example.gov.cn"),  # obsolete phrase (RFC 5322 §4.1)
])
def test_sender_address__exactly_one_mailbox_or_none(values, expected):
    assert sender_address(values) == expected


_ATOM = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=12).filter(
    lambda s: not s.startswith(".") and not s.endswith(".") and ".." not in s)
_ADDR = st.builds(lambda a, b: f"{a}@{b}.example.gov.cn", _ATOM, _ATOM)
_DISPLAY = st.lists(st.sampled_from(list('张三 <>"()@,;:\\.=?abcXYZ') + ["b001@fgw.example.gov.cn"]),
                    max_size=20).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(display=_DISPLAY, address=_ADDR, encode=st.sampled_from(["word", "quoted", "comment", "plain"]),
       decoy=_ADDR)
@example(display=".", address="a@b.example.gov.cn", encode="plain", decoy="b@c.example.gov.cn")
@example(display=" :", address="a@b.example.gov.cn", encode="plain", decoy="b@c.example.gov.cn")
@example(display="b001@fgw.example.gov.cn", address="a@b.example.gov.cn", encode="plain", decoy="b@c.example.gov.cn")
@example(display='<"b001@fgw.example.gov.cn (">', address="evil@attacker.example.gov.cn", encode="word",
         decoy="b001@fgw.example.gov.cn")
def test_read_eml__the_sender_is_the_standard_parsers_one_addr_spec(tmp_path, display, address, encode, decoy):
    """Property: for any From the standard parser reads as one mailbox without guessing
    (no defect but obsolete syntax or raw 8-bit text), kaohe's sender
    (through read_eml, as intake reads a message) is exactly that addr-spec — display
    names holding other addresses and encoded words included."""
    shown = {"word": f"{b64word(display + ' <' + decoy + '>')} <{address}>",
             "quoted": '"' + display.replace("\\", "\\\\").replace('"', '\\"') + f'" <{address}>',
             "comment": f"<{address}> ({b64word(decoy)})",
             "plain": f"{display} <{address}>"}[encode]
    path = eml(tmp_path / f"{hashlib.sha1(shown.encode()).hexdigest()}.eml", [("a.xlsx", b"PK\x03\x04")])
    raw_header(path, "From", shown)
    envelopes, _ = read_eml(path)
    try:
        parsed = policy.default.header_factory("From", shown)
    except (ValueError, AttributeError, IndexError, TypeError, email.errors.HeaderParseError):
        # the standard parser refuses (CR/LF) or trips over it (". <a@b>", " : <a@b>")
        assert envelopes[0].mailer is None
        return
    harmless = (email.errors.ObsoleteHeaderDefect, email.errors.UndecodableBytesDefect,
                email.errors.NonASCIILocalPartDefect)
    if len(parsed.addresses) == 1 and len(parsed.groups) == 1 and parsed.groups[0].display_name is None \
            and parsed.addresses[0].domain and all(isinstance(d, harmless) for d in parsed.defects):
        assert envelopes[0].mailer == parsed.addresses[0].addr_spec
    else:
        assert envelopes[0].mailer is None
    if encode in ("word", "quoted", "comment"):  # whatever the display says, the sender is the real address
        assert envelopes[0].mailer == address


def test_intake_command__an_encoded_display_name_cannot_borrow_a_units_address(work, templates):
    mailboxes(work, B001="b001@fgw.example.gov.cn")
    f = filled(templates, work)
    path = eml(work / "inbox" / "forged.eml", [("附表1.xlsx", f.read_bytes())])
    raw_header(path, "From", f'{b64word(chr(60) + chr(34) + "b001@fgw.example.gov.cn (" + chr(34) + ">")} '
                             f'<evil@attacker.example> ({b64word(chr(60) + chr(34) + ")" + chr(34) + ">")})')
    out = intake(work)
    assert out.exit_code == 0, out.output  # held is not a rejection
    assert shown("暂缓", out.output) and shown("evil@attacker.example", out.output)
    assert master_value(work, "部门", "B001", "党风廉政建设") is None


def test_intake_command__the_office_address_in_a_display_name_is_no_office_register(work, templates):
    write_settings(work, f"报送:\n  考核办邮箱: [{OFFICE}]\n")
    t = templates[("KHB", "register")]
    path = eml(work / "inbox" / "reg.eml", [("加分登记.xlsx", t.read_bytes())])
    raw_header(path, "From", f"{b64word(OFFICE)} <evil@attacker.example>")
    out = intake(work)
    assert out.exit_code == 0, out.output
    assert shown("evil@attacker.example 不是考核办邮箱", out.output)


def test_intake_command__a_from_given_twice_is_held(work, templates):
    mailboxes(work, B001="b001@example.gov.cn")
    f = filled(templates, work)
    path = eml(work / "inbox" / "twice.eml", [("附表1.xlsx", f.read_bytes())])
    raw_header(path, "From", "b001@example.gov.cn", count=1)
    data = path.read_bytes().replace(b"From: b001@example.gov.cn", b"From: b001@example.gov.cn\nFrom: evil@x.example")
    path.write_bytes(data)
    out = intake(work)
    assert out.exit_code == 0 and shown("发件人（From）不是唯一一个可识别的邮箱地址", out.output), out.output
    assert master_value(work, "部门", "B001", "党风廉政建设") is None


# --- Authentication-Results as RFC 8601 writes them ----------------------------------------------


@pytest.mark.parametrize(("header", "expected"), [
    ("mx.khb.example.gov.cn 1; dmarc=fail header.from=example.gov.cn", ("mx.khb.example.gov.cn", (("dmarc", "fail"),))),
    ("mx.khb.example.gov.cn (Coremail); dmarc=fail", ("mx.khb.example.gov.cn", (("dmarc", "fail"),))),
    ("mx.khb.example.gov.cn; spf=pass smtp.mailfrom=a.example; dkim=fail (bad signature) header.d=a.example",
     ("mx.khb.example.gov.cn", (("spf", "pass"), ("dkim", "fail")))),
    ('"mx;khb" 1; dmarc (policy) = (result) fail', ("mx;khb", (("dmarc", "fail"),))),
    ("mx.khb.example.gov.cn; none", ("mx.khb.example.gov.cn", ())),
    ("mx.khb.example.gov.cn; dkim/2=pass", ("mx.khb.example.gov.cn", (("dkim", "pass"),))),
])
def test_parse_auth_results__authserv_id_version_and_comments(header, expected):
    """RFC 8601 §2.2: authserv-id = value; an optional authres-version after it; CFWS
    (comments) anywhere; resinfo = ";" methodspec …; method may carry "/" version."""
    assert parse_auth_results(header) == expected


@pytest.mark.parametrize("stamp", ["mx.khb.example.gov.cn 1; dmarc=fail", "mx.khb.example.gov.cn (Coremail); dmarc=fail"])
def test_intake_command__a_version_or_comment_after_the_authserv_id_still_holds(work, templates, stamp):
    mailboxes(work, B001="b001@example.gov.cn")
    write_settings(work, "报送:\n  认证服务器: [mx.khb.example.gov.cn]\n")
    f = filled(templates, work)
    path = eml(work / "inbox" / "a.eml", [("a.xlsx", f.read_bytes())], sender="b001@example.gov.cn")
    raw_header(path, "Authentication-Results", stamp)
    out = intake(work)
    assert out.exit_code == 0 and shown("认证失败（dmarc=fail）", out.output), out.output
    assert master_value(work, "部门", "B001", "党风廉政建设") is None


def test_run_intake__the_office_forwarding_a_message_its_server_failed_is_held(work, templates, municipal, audit):
    """Low finding: the office forwards a stranger's message that the office's own server
    had stamped dmarc=fail; the forward passes, the file's origin does not."""
    write_settings(work, f"报送:\n  考核办邮箱: [{OFFICE}]\n  认证服务器: [mx.khb.example.gov.cn]\n")
    mailboxes(work, B001="b001@example.gov.cn")
    f = filled(templates, work)
    inner = eml(work / "filled" / "inner.eml", [("附表1.xlsx", f.read_bytes())], sender="b001@example.gov.cn",
                auth="spf=fail smtp.mailfrom=example.gov.cn; dmarc=fail header.from=example.gov.cn")
    eml(work / "inbox" / "fwd.eml", [("转发.eml", inner.read_bytes())], sender=OFFICE,
        auth="spf=pass; dkim=pass; dmarc=pass")
    o = run(work, municipal, audit).outcomes[0]
    assert (o.status, o.problems[0].code) == (HELD, "sender_forwarded_unauthenticated")
    assert "dmarc、spf=fail" in o.reasons[0] or "spf、dmarc" in o.reasons[0] or "dmarc" in o.reasons[0]


# --- a held copy does not park the unit's own re-send ---------------------------------------------


def test_run_intake__the_units_own_resend_of_held_bytes_is_taken(work, templates, municipal, audit):
    """Finding 9: a stranger holding B001's file sends it first (held); B001 then sends
    the same bytes from its registered address: accepted, and the held copy is settled."""
    mailboxes(work, B001="b001@example.gov.cn")
    f = filled(templates, work)
    eml(work / "inbox" / "1.eml", [("附表1.xlsx", f.read_bytes())], sender="evil@attacker.example",
        date=dt.datetime(2027, 1, 10, 9, 0, tzinfo=UTC))
    first = run(work, municipal, audit).outcomes[0]
    assert first.status == HELD
    eml(work / "inbox" / "2.eml", [("附表1.xlsx", f.read_bytes())], sender="b001@example.gov.cn",
        date=dt.datetime(2027, 1, 10, 10, 0, tzinfo=UTC))
    second = next(o for o in run(work, municipal, audit).outcomes if o.envelope.source == "2.eml")
    assert second.status == ACCEPTED, second.reasons
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.2
    assert (store_row(work, first.record_id)["status"], store_row(work, second.record_id)["is_current"]) == \
        (SUPERSEDED, 1)
    # the stranger sending it yet again is still nothing new
    eml(work / "inbox" / "3.eml", [("附表1.xlsx", f.read_bytes())], sender="evil@attacker.example")
    third = next(o for o in run(work, municipal, audit).outcomes if o.envelope.source == "3.eml")
    assert third.status == DUPLICATE


def test_run_intake__a_stranger_resending_held_bytes_is_a_duplicate_still_held(work, templates, municipal, audit):
    mailboxes(work, B001="b001@example.gov.cn")
    f = filled(templates, work)
    eml(work / "inbox" / "1.eml", [("附表1.xlsx", f.read_bytes())], sender="evil@attacker.example")
    eml(work / "inbox" / "2.eml", [("附表1.xlsx", f.read_bytes())], sender="other@attacker.example")
    result = run(work, municipal, audit)
    assert [o.status for o in result.outcomes] == [HELD, DUPLICATE]


# --- what a sender learns, and how much -------------------------------------------------------------


def _staff_roster_with(templates, work, codes: list[str], name: str = "staff.xlsx") -> Path:
    t = templates[("B001", "staff-roster")]
    wb = openpyxl.load_workbook(t)
    ws = wb["考核名册"]
    r = int(list(wb.defined_names["KH_IN_staff_code"].destinations)[0][1].split(":")[0].replace("$", "")[1:])
    for i, code in enumerate(codes):
        for col, value in zip("ABCDEFGH", [code, "某人", "县级", "否", 20, 10, 5, 5]):
            ws[f"{col}{r + i}"] = value
        ws[f"J{r + i}"], ws[f"K{r + i}"] = 85, 9
    path = work / "filled" / name
    path.parent.mkdir(exist_ok=True)
    wb.save(path)
    return path


def test_run_intake__a_stranger_learns_nothing_of_other_units_people(work, templates, municipal, audit):
    """Finding 10: the open roster form listing other units' codes, sent by a stranger,
    is held before its content is read: no reason names anyone."""
    from addin.intake.extract import Update
    from addin.intake.master import apply_updates

    mailboxes(work, B001="b001@example.gov.cn")
    apply_updates(work / "master.xlsx", [Update("人员", "人员编码", "P9", {"姓名": "王秘书", "单位编码": "B002",
                                                                      "层级": "县级", "主要负责人": "否"})])
    path = _staff_roster_with(templates, work, ["P9"])
    eml(work / "inbox" / "probe.eml", [("名册.xlsx", path.read_bytes())], sender="evil@attacker.example")
    o = run(work, municipal, audit).outcomes[0]
    assert o.status == HELD and [p.code for p in o.problems] == ["sender_mismatch"]
    assert not any("王秘书" in r or "B002" in r for r in o.reasons)


def test_run_intake__an_unchecked_sender_is_not_told_who_another_units_person_is(work, templates, municipal, audit):
    from addin.intake.extract import Update
    from addin.intake.master import apply_updates

    apply_updates(work / "master.xlsx", [Update("人员", "人员编码", "P9", {"姓名": "王秘书", "单位编码": "B002",
                                                                      "层级": "县级", "主要负责人": "否"})])
    path = _staff_roster_with(templates, work, ["P9"])
    eml(work / "inbox" / "probe.eml", [("名册.xlsx", path.read_bytes())], sender="anyone@example.cn")
    o = run(work, municipal, audit).outcomes[0]
    assert [p.code for p in o.problems] == ["person_other_unit"]
    assert not any("王秘书" in r or "B002" in r for r in o.reasons)
    assert "P9" in o.reasons[0]


def test_run_intake__a_huge_changed_formula_is_quoted_short(work, templates, municipal, audit):
    """Finding 10: formula_changed quoted the whole formula (11 KB file → 1.26 MB reply).
    Each reason now quotes at most 80 characters of the file's text."""
    from test_intake import _template_parts, _zip

    parts = _template_parts(filled(templates, work))
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet") and b"<f>" in parts[n])
    xml = parts[sheet].decode()
    first = re.search(r"<f>([^<]*)</f>", xml)
    long_formula = "+".join(["1"] * 4000)
    parts[sheet] = (xml[:first.start(1)] + long_formula + xml[first.end(1):]).encode()
    (work / "inbox" / "big.xlsx").write_bytes(_zip(parts))
    o = run(work, municipal, audit).outcomes[0]
    changed = [r for r in o.reasons if "公式被修改" in r]
    assert changed and all(len(r) <= 400 for r in o.reasons)
    assert "1+1+1+" in changed[0] and "…" in changed[0]


# --- replies carry exactly the headers kaohe set ---------------------------------------------------

_NASTY = st.lists(st.sampled_from(list("ab 考核\r\n\t:<>@=?\"()") + ["=?utf-8?q?x=0D=0ABcc:_evil@x.example?=",
                                                                      "=?utf-8?b?DQpYLUluamVjdGVkOiAx?=",
                                                                      "\r\nBcc: evil@x.example"]),
                  max_size=30).map("".join)


def _reply_for(tmp_path: Path, subject: str, msgid: str, references: str, display: str):
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    path = eml(inbox / f"{hashlib.sha1((subject + msgid + references + display).encode()).hexdigest()}.eml",
               [("a.xlsx", b"PK\x03\x04")])
    raw_header(path, "Subject", subject.replace("\r", "").replace("\n", " "))
    path.write_bytes(path.read_bytes().replace(
        b"\nSubject:", f"\nMessage-ID: {msgid}\nReferences: {references}\nSubject:".replace("\r", "").encode(), 1))
    raw_header(path, "From", f"{b64word(display)} <b001@example.gov.cn>")
    envelopes, _ = read_eml(path)
    outcome = Outcome(envelopes[0], "0" * 64, status="rejected")
    store = Store(tmp_path / "a.sqlite")
    try:
        messages = messages_to_answer(BatchResult([outcome], [], [], 0, dry_run=True), store, 2026)
        replies, problems = compose_replies(messages, inbox, store, mail_from=OFFICE, year=2026,
                                            now=dt.datetime(2027, 1, 11, tzinfo=UTC))
    finally:
        store.close()
    return replies, problems


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(subject=_NASTY, msgid=_NASTY, references=_NASTY, display=_NASTY)
def test_compose_replies__every_reply_parses_back_with_exactly_our_headers(tmp_path_factory, subject, msgid,
                                                                          references, display):
    """Finding 2 (CVE-2024-6923 on this Python): subjects, ids and names holding CR, LF
    and encoded words that decode to header lines never become headers of ours."""
    replies, problems = _reply_for(tmp_path_factory.mktemp("r"), subject, msgid, references, display)
    try:
        policy.default.header_factory("From", f"{b64word(display)} <b001@example.gov.cn>")
    except ValueError:  # the standard parser refuses the From (a CR or LF in the name): no one to answer
        assert replies == [] and [p.code for p in problems] == ["no_reply"]
        return
    assert len(replies) == 1 and problems == []
    wire = replies[0].message.as_bytes(policy=policy.SMTP)
    parsed = BytesParser(policy=policy.default).parsebytes(wire)
    names = sorted(k.lower() for k in parsed.keys())
    allowed = {"from", "to", "subject", "date", "message-id", "in-reply-to", "references", "auto-submitted",
               "mime-version", "content-type"}
    assert set(names) <= allowed and len(names) == len(set(names))
    assert {"from", "to", "subject", "message-id", "auto-submitted"} <= set(names)
    assert str(parsed["To"]) == "b001@example.gov.cn" and str(parsed["From"]) == OFFICE
    for line in wire.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        assert line[:1] in (b" ", b"\t") or line.split(b":", 1)[0].lower().decode() in allowed


def test_compose_replies__the_red_teams_encoded_newline_stays_in_the_subject(tmp_path):
    injected = "报送=?utf-8?q?x=0D=0ABcc:_evil@x.example?= 材料"
    replies, _ = _reply_for(tmp_path, injected, "<=?utf-8?q?a=0D=0AX-Injected:_1?=@x.example>",
                            "<ok@x.example> <=?utf-8?q?=0D=0ABcc:_evil@x.example?=@y>", "张三")
    parsed = BytesParser(policy=policy.default).parsebytes(replies[0].message.as_bytes(policy=policy.SMTP))
    assert parsed["Bcc"] is None and parsed["X-Injected"] is None
    # the sender's encoded word decodes (once, as every client shows it) to one line of text
    assert str(parsed["Subject"]) == "回复：报送x Bcc: evil@x.example 材料"
    assert parsed["In-Reply-To"] is None  # an id holding an encoded word is no msg-id we thread to
    assert str(parsed["References"]) == "<ok@x.example>" or parsed["References"] is None


def test_verify_headers__a_header_smuggled_in_is_caught():
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"], msg["To"], msg["Subject"] = OFFICE, "a@example.gov.cn", "x"
    msg["X-Extra"] = "y"
    msg.set_content("body")
    assert verify_headers(msg, {"From": OFFICE, "To": "a@example.gov.cn", "Subject": "x"}) is not None
    assert verify_headers(msg, {"From": OFFICE, "To": "a@example.gov.cn", "Subject": "x", "X-Extra": "y"}) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("<a.b@example.gov.cn>", "<a.b@example.gov.cn>"), ("<a@[10.0.0.1]>", "<a@[10.0.0.1]>"),
    ("<=?utf-8?q?a?=@x>", None), ("<a@b>\r\nBcc: x", None), ("<a b@c>", None), ("<" + "a" * 250 + "@b>", None),
    ("<考核@x>", None), (None, None),
])
def test_message_id__plain_rfc5322_ids_only(text, expected):
    assert message_id(text) == expected


# --- replies over a real SMTP server ---------------------------------------------------------------


@pytest.fixture
def smtp():
    server = M.start_smtp()
    yield server
    server.stop()


def _mail_env(smtp) -> dict[str, str]:
    return {"KAOHE_SMTP_HOST": "127.0.0.1", "KAOHE_SMTP_PORT": str(smtp.port), "KAOHE_SMTP_SECURITY": "none",
            "KAOHE_MAIL_FROM": OFFICE}


def test_intake_reply__an_injected_subject_is_sent_without_the_injected_header(work, templates, smtp):
    f = filled(templates, work)
    path = eml(work / "inbox" / "a.eml", [("附表1.xlsx", f.read_bytes())], sender="b001@example.gov.cn",
               subject="x")
    raw_header(path, "Subject", "=?utf-8?q?=E6=8A=A5=E9=80=81?= =?utf-8?q?x=0D=0ABcc:_evil@x.example?=")
    out = runner.invoke(app, ["intake", str(work / "inbox"), "--master", str(work / "master.xlsx"), "--reply"],
                        env=_mail_env(smtp), terminal_width=200)
    assert out.exit_code == 0, out.output
    assert [m.rcpt_tos for m in smtp.messages] == [["b001@example.gov.cn"]]
    parsed = smtp.messages[0].message
    assert b"\r\nBcc:" not in smtp.messages[0].data
    assert parsed["Bcc"] is None and "evil@x.example" in str(parsed["Subject"])


def test_intake_reply__the_same_message_saved_twice_gets_one_reply_and_office_addresses_none(work, templates, smtp):
    write_settings(work, f"报送:\n  考核办邮箱: [{OFFICE}, khb2@example.gov.cn]\n")
    f = filled(templates, work)
    one = eml(work / "inbox" / "one.eml", [("附表1.xlsx", f.read_bytes())], sender="b001@example.gov.cn")
    raw = one.read_bytes().replace(b"\nSubject:", b"\nMessage-ID: <m1@example.gov.cn>\nSubject:", 1)
    one.write_bytes(raw)
    (work / "inbox" / "one-again.eml").write_bytes(raw.replace(b"\nTo:", b"\nX-Saved-By: WPS\nTo:", 1))
    eml(work / "inbox" / "office2.eml", [("加分登记.xlsx", templates[("KHB", "register")].read_bytes())],
        sender="khb2@example.gov.cn")
    out = runner.invoke(app, ["intake", str(work / "inbox"), "--master", str(work / "master.xlsx"), "--reply"],
                        env=_mail_env(smtp), terminal_width=200)
    assert out.exit_code in (0, 1), out.output
    assert [m.rcpt_tos for m in smtp.messages] == [["b001@example.gov.cn"]]


# --- the office's own controls ---------------------------------------------------------------------


def test_intake_release__a_blank_by_is_refused(work, templates, municipal, audit):
    mailboxes(work, B001="b001@example.gov.cn")
    eml(work / "inbox" / "a.eml", [("a.xlsx", filled(templates, work).read_bytes())], sender="x@other.example")
    held = run(work, municipal, audit).outcomes[0]
    out = runner.invoke(app, ["intake", "--release", str(held.record_id), "--by", "   ", "--master",
                              str(work / "master.xlsx")])
    assert out.exit_code == 2 and shown("放行人（--by）", out.output)
    assert store_row(work, held.record_id)["status"] == HELD


def test_intake_release__a_release_behind_a_later_arrival_says_it_was_not_applied(work, templates, municipal, audit):
    mailboxes(work, B001="b001@example.gov.cn")
    old = filled(templates, work, name="old.xlsx")
    new = filled(templates, work, values={**APPENDIX1_FULL, "KH_IN_附表1_1_1_missed_meetings": 0}, name="new.xlsx")
    eml(work / "inbox" / "old.eml", [("old.xlsx", old.read_bytes())], sender="x@other.example",
        date=dt.datetime(2027, 1, 10, tzinfo=UTC))
    eml(work / "inbox" / "new.eml", [("new.xlsx", new.read_bytes())], sender="b001@example.gov.cn",
        date=dt.datetime(2027, 1, 11, tzinfo=UTC))
    result = run(work, municipal, audit)
    held = by_name(result, "old.xlsx")
    assert held.status == HELD and by_name(result, "new.xlsx").status == ACCEPTED
    out = runner.invoke(app, ["intake", "--release", str(held.record_id), "--by", "张科长", "--master",
                              str(work / "master.xlsx")])
    assert out.exit_code == 0 and shown("未写入汇总工作簿", out.output) and not shown("已写入", out.output), out.output
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.7  # the later file: 9.2 + the 0.5 of 1 missed meeting


def test_run_intake__the_unit_name_comes_from_the_roster_not_the_metadata(work, templates, municipal, audit):
    """Low finding: unit_name is outside the keyed id; receipt and archive use the roster's."""
    from test_trust import _set_meta
    from test_intake import _template_parts, _zip

    parts = _set_meta(_template_parts(filled(templates, work)), unit_name="市考核办（伪）")
    (work / "inbox" / "renamed.xlsx").write_bytes(_zip(parts))
    o = run(work, municipal, audit).outcomes[0]
    assert o.status in (ACCEPTED, WARNING), o.reasons
    assert o.identity.unit_name == "市发展改革委"
    assert store_row(work, o.record_id)["unit_name"] == "市发展改革委"


def test_intake_command__a_password_under_a_wrong_key_is_never_printed(work, templates):
    write_settings(work, "邮箱:\n  发件服务器: smtp.example.gov.cn\n  发件口令x: Sup3rS3cret!\n")
    out = intake(work)
    assert out.exit_code == 2 and shown("邮箱.发件口令x", out.output)
    assert not shown("Sup3rS3cret", out.output)


def test_intake_command__a_settings_syntax_error_quotes_no_text(work, templates):
    write_settings(work, "邮箱:\n  发件服务器: [Sup3rS3cret\n")
    out = intake(work)
    assert out.exit_code == 2 and shown("YAML 语法错误", out.output)
    assert not shown("Sup3rS3cret", out.output)


@pytest.mark.parametrize("command", [["remind", "--before", "2027-01-15"], ["fetch", "--check"]])
def test_mail_commands__a_bad_settings_file_is_one_message_and_exit_2(tmp_path, command):
    folder = tmp_path / "2026考核"
    made = runner.invoke(app, ["init", str(folder), "--year", "2026"])
    assert made.exit_code == 0, made.output
    (tmp_path / SETTINGS_FILE).write_text("邮箱:\n  收件端口: 九九三\n", encoding="utf-8")  # the office's
    out = runner.invoke(app, [*command, "--year-dir", str(folder)])
    assert out.exit_code == 2, out.output
    assert out.exception is None or isinstance(out.exception, SystemExit)
    assert shown("设置文件有误", out.output) and shown("邮箱.收件端口", out.output) and shown(SETTINGS_FILE, out.output)


def test_collect__a_fetch_killed_midway_leaves_nothing_intake_lists(work, templates, municipal, audit):
    (work / "inbox" / ".fetch-abc123.tmp").write_bytes(b"From: x@y\r\n\r\npartial")
    eml(work / "inbox" / "a.eml", [("a.xlsx", filled(templates, work).read_bytes())])
    result = run(work, municipal, audit)
    assert [o.envelope.source for o in result.outcomes] == ["a.eml"] and result.inbox_problems == []


def test_run_intake__kept_files_are_in_the_archive_and_survive_a_cleaned_inbox(work, templates, municipal, audit):
    """Issue 21 finding 7 and issue 26 item 0: the files intake keeps are in the archive
    (owner-only, 0600), written in the batch's own transaction; a held file is released
    from there after the inbox was cleaned out."""
    import os
    import stat

    mailboxes(work, B001="b001@example.gov.cn")
    f = filled(templates, work)
    eml(work / "inbox" / "a.eml", [("a.xlsx", f.read_bytes())], sender="x@other.example")
    held = run(work, municipal, audit).outcomes[0]
    assert held.status == HELD
    for p in (work / "inbox").iterdir():
        p.unlink()
    assert not (work / "master_submissions").exists()  # nothing kept outside the archive
    assert stat.S_IMODE(os.stat(work / "master.kaohe.sqlite").st_mode) == 0o600
    store = Store(work / "master.kaohe.sqlite")
    try:
        assert store.evidence(hashlib.sha256(f.read_bytes()).hexdigest()) == f.read_bytes()
    finally:
        store.close()
    out = runner.invoke(app, ["intake", "--release", str(held.record_id), "--by", "张科长", "--master",
                              str(work / "master.xlsx")])
    assert out.exit_code == 0, out.output
    assert master_value(work, "部门", "B001", "党风廉政建设") == 9.2
