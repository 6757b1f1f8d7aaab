"""One intake batch: collect, sort, check, hold what comes from the wrong sender, pick the
current submission per unit and kind by arrival, write the master once, record
everything, and report. Every file fails alone: whatever goes wrong with one file becomes
that file's located rejection, and the batch goes on."""

from __future__ import annotations

import dataclasses

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from addin.environment import is_environment_failure
from addin.errors import KaoheError
from addin.intake import extract as X
from addin.intake.budget import Budget
from addin.intake.attachment import OTHER, SKIPPED, WORKBOOK, classify_attachment
from addin.intake.filing import FILED, REPORT, filing_notes, is_half_year_report
from addin.intake.identify import (
    References,
    check_identity,
    check_locked_values,
    compare_structure,
    open_staff_roster,
    read_identity,
    shape_of,
)
from addin.intake.mail import Envelope, collect, name_problem
from addin.intake.master import apply_groups, check_not_open, master_lock, read_roster, remove_stale_temps
from addin.intake.package import check_package, open_package
from addin.intake.sender import check_sender
from addin.provenance.writes import record_writes
from addin.intake.store import Store, archive_path
from addin.intake.xlsx import UnsafeWorkbook, read_book
from addin.workbook.atomic import restore_backup
from addin.problems import Problem, clip
from addin.office.roster import Roster
from addin.scheme.models import AuditScheme, MunicipalScheme
from addin.office.settings import Settings, load_settings
from addin.workbook.identity import META_SHEET, Identity

ACCEPTED, WARNING, REJECTED, DUPLICATE, SUPERSEDED = "accepted", "warning", "rejected", "duplicate", "superseded"
HELD = "held"
STATUS_ZH = {ACCEPTED: "接收", WARNING: "接收（有提示）", REJECTED: "退回", DUPLICATE: "重复（已收到相同文件）",
             FILED: "已备案（半年工作报告）", SUPERSEDED: "已被更新的报送替代", HELD: "暂缓（待核实）", SKIPPED: "跳过（非报送文件）",
             OTHER: "非报表附件"}
TAKEN = (ACCEPTED, WARNING, SUPERSEDED)
"""Outcomes whose bytes make the same bytes again a duplicate."""
UNRECORDED = (DUPLICATE, SKIPPED, OTHER, FILED)
"""Outcomes not written to the submissions record (a duplicate is recorded already; the
others are no submission)."""
DATE_SKEW = dt.timedelta(days=30)
REASON_CHARS = 300
MAX_REASONS = 30
FUTURE_SLACK = dt.timedelta(minutes=10)


@dataclass
class Outcome:
    envelope: Envelope
    file_hash: str
    identity: Identity | None = None
    status: str = REJECTED
    problems: list[Problem] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    updates: list = field(default_factory=list)
    late: str | None = None
    record_id: int | None = None
    """The submission's id in the record (shown in the receipt; ``--release ID``)."""
    unchecked_sender: str | None = None
    """Whose addresses were not on record, so the sender could not be checked."""
    replaced: int | None = None
    """The 报送编号 this file made superseded (the unit's earlier current submission)."""
    note: str | None = None
    """One line for the sender beyond the status (what it replaced, whose file it repeats)."""

    @property
    def reasons(self) -> list[str]:
        """Each problem as one bounded line with its cell (a file's own text inside a
        message is quoted at most :data:`REASON_CHARS` long, whatever the file holds)."""
        return [clip(p.message, REASON_CHARS) + (f"（{clip(p.sheet, 40)}!{p.cell}）" if p.cell else "")
                for p in self.problems[:MAX_REASONS]] + (
            [f"另有 {len(self.problems) - MAX_REASONS} 项问题未列出，请先按上述原因修改 "
             f"[{len(self.problems) - MAX_REASONS} more problems not listed]"] if len(self.problems) > MAX_REASONS else [])


@dataclass
class BatchResult:
    outcomes: list[Outcome]
    inbox_problems: list[Problem]
    missing: list[tuple[str, str, str]]
    """(unit code, unit name, template) expected but not received."""
    cells_written: int
    notices: list[Problem] = field(default_factory=list)
    """Warnings about the batch as a whole (senders that could not be checked)."""
    earlier: int = 0
    """Inbox files an earlier intake of the year saw (not taken in, listed or counted again)."""
    dry_run: bool = False

    @property
    def rejected(self) -> bool:
        return any(o.status == REJECTED for o in self.outcomes) or any(p.is_error for p in self.inbox_problems)


@dataclass
class Context:
    municipal: MunicipalScheme
    audit: AuditScheme
    year: int
    roster: Roster
    references: References
    secret: bytes
    settings: Settings = field(default_factory=Settings)

    @property
    def units(self) -> set[str]:
        return {u.code for u in self.roster.units}

    @property
    def groups(self) -> set[str]:
        return {u.group for u in self.roster.of_type("部门") if u.group}

    def mailboxes(self) -> dict[str, tuple[str, ...]]:
        return {u.code: u.mailboxes for u in self.roster.units}


def sort_envelope(env: Envelope, digest: str) -> Outcome | None:
    """The outcome of a file that is no submission (skipped, or a non-spreadsheet
    attachment kept with its message); None for a workbook to check."""
    verdict = classify_attachment(env.file_name, env.data, env.content_type, loose=env.loose)
    if verdict.kind == WORKBOOK:
        return None
    return Outcome(env, digest, status=verdict.kind,
                   problems=[Problem(verdict.code, verdict.reason, severity="warning", file=env.file_name)])


def file_report(env: Envelope, digest: str, ctx: Context) -> Outcome:
    """A half-year report, filed for the record (:mod:`addin.intake.filing`)."""
    unit, problems = filing_notes(env, ctx.roster)
    out = Outcome(env, digest, status=FILED, problems=problems,
                  values={"unit_code": unit.code if unit else None, "unit_name": unit.name if unit else None})
    out.note = f"{unit.code} {unit.name}的{REPORT}已备案" if unit else f"{REPORT}已备案"
    return out


def check_envelope(env: Envelope, ctx: Context, *, vouched: bool = False) -> Outcome:
    """Check one workbook; any failure inside is this file's rejection, never the batch's.
    ``vouched``: the office has checked the sender (a release), so the sender is not."""
    digest = hashlib.sha256(env.data).hexdigest()
    try:
        return _check(env, digest, ctx, vouched)
    except Exception as exc:  # this file's failure, reported as its rejection (see the module docstring)
        if is_environment_failure(exc):
            raise  # a full disk or a read-only folder is the environment's failure, not this file's
        return Outcome(env, digest, problems=[Problem(
            "unreadable", f"文件无法处理，已退回，请用下发的原模板重新填写后发送 [this file could not be processed: "
                          f"{type(exc).__name__}: {str(exc)[:200]}]", file=env.file_name)])


def _check(env: Envelope, digest: str, ctx: Context, vouched: bool) -> Outcome:
    """In order of trust: the bytes, the keyed identity, then the sender, and only then
    the content. A file from a sender not on record for its unit is held before its
    content is read for reasons, so a stranger learns nothing of the roster from a reply."""
    out = Outcome(env, digest)
    name = env.file_name
    problem = name_problem(name, env.source)
    if problem:
        out.problems.append(problem)
        return out
    budget = Budget(name)  # one deadline for the whole file, from here
    archive, problem = open_package(env.data, name)
    if problem:
        out.problems.append(problem)
        return out
    try:  # whose file is it: the metadata sheet alone, before the content costs anything
        identity, p2 = read_identity(read_book(archive, name, budget=budget, only=frozenset({META_SHEET})), name)
    except UnsafeWorkbook as exc:
        out.problems.append(exc.problem)
        return out
    if p2:
        out.problems.append(p2)
        return out
    known = ctx.units | {f"G-{g}" for g in ctx.groups} | {"KHB"}
    problem = check_identity(identity, name, municipal=ctx.municipal, audit=ctx.audit, year=ctx.year,
                             known_units=known, secret=ctx.secret, hashes=ctx.references.hashes,
                             open_form=None)  # which staff-roster form: known once the content is read
    if problem:
        out.problems.append(problem)
        return out
    identity = _named_by_roster(identity, ctx)
    out.identity = identity
    group = None
    if not vouched:
        verdict = check_sender(env, identity, settings=ctx.settings.submission, scheme=ctx.municipal,
                               unit_mailboxes=ctx.mailboxes())
        out.unchecked_sender = verdict.unchecked
        group = verdict.group
        if verdict.hold:
            out.problems += verdict.hold
            out.status = HELD  # its content is checked in full when the office releases it
            return out
    try:
        book = read_book(archive, name, budget=budget)
    except UnsafeWorkbook as exc:
        out.problems.append(exc.problem)
        return out
    hygiene = check_package(archive, book, name)
    if hygiene:
        out.problems += hygiene
        return out
    if identity.template_kind == "staff-roster":  # the form the content shows must be the one keyed
        problem = check_identity(identity, name, municipal=ctx.municipal, audit=ctx.audit, year=ctx.year,
                                 known_units=known, secret=ctx.secret, hashes=ctx.references.hashes,
                                 open_form=open_staff_roster(book))
        if problem:
            out.problems.append(problem)
            return out
    shape, roster_problems = shape_of(identity, book, ctx.roster, name)
    if roster_problems:
        out.problems += roster_problems
        return out
    reference = ctx.references.get(shape)
    if reference is None:
        out.problems.append(Problem("not_ours", "无法核对模板结构 [no reference template for this workbook]",
                                    file=name))
        return out
    structure = compare_structure(book, reference, name)
    if not structure:
        structure = check_locked_values(book, reference, identity, name)
    if structure:
        out.problems += structure
        return out
    extracted = _extract(identity, X.Reader(book, name), ctx, group)
    out.problems += extracted.problems
    out.values, out.updates = extracted.values, extracted.updates
    errors = [p for p in out.problems if p.is_error]
    if errors:
        out.status = REJECTED
        return out
    out.problems += _date_warnings(env)
    out.status = WARNING if out.problems else ACCEPTED
    out.late = _late(identity, env, ctx.municipal)
    return out


def _named_by_roster(identity: Identity, ctx: Context) -> Identity:
    """The unit's name as the office's roster has it: the metadata's ``unit_name`` is
    outside the keyed template id, so a file can say anything there."""
    names = {u.code: u.name for u in ctx.roster.units}
    if identity.unit_code in names:
        return dataclasses.replace(identity, unit_name=names[identity.unit_code])
    if identity.unit_code.startswith("G-"):
        return dataclasses.replace(identity, unit_name=f"{identity.unit_code[2:]}分口考核组")
    if identity.unit_code == "KHB":
        return dataclasses.replace(identity, unit_name="市考核办")
    return identity


def _extract(identity: Identity, reader: X.Reader, ctx: Context, group: str | None = None) -> X.Extracted:
    base = identity.template_kind.split(":")[0]
    if base == "appendix":
        return X.extract_appendix(identity, reader, ctx.municipal)
    if base == "audit-form":
        return X.extract_audit(identity, reader, ctx.audit, ctx.roster)
    if base == "target-book":
        return X.extract_target_book(identity, reader, ctx.municipal)
    if base == "scoring-sheet":
        return X.extract_scoring_sheet(identity, reader, ctx.municipal)
    if base == "register":
        scope = (group, {u.code for u in ctx.roster.of_type("部门") if u.group == group}) if group else None
        return X.extract_register(identity, reader, ctx.municipal, ctx.units, ctx.year, scope)
    return X.extract_staff_roster(identity, reader, ctx.municipal, ctx.roster)


def _date_warnings(env: Envelope) -> list[Problem]:
    """The sender's Date header is a claim: shown, never used for ordering; a Date in the
    future or far from the arrival is worth a look."""
    date, arrival = env.message_date, env.arrived
    if date is None or arrival is None:
        return []
    if date > arrival + FUTURE_SLACK:
        return [Problem("date_in_future", f"邮件的发送时间 {date:%Y-%m-%d %H:%M} 晚于到达时间 {arrival:%Y-%m-%d %H:%M}，"
                                          f"按到达时间排序 [the Date header is after the arrival]",
                        severity="warning", file=env.file_name, value=date.isoformat())]
    if abs(arrival - date) > DATE_SKEW:
        return [Problem("date_far", f"邮件的发送时间 {date:%Y-%m-%d} 与到达时间 {arrival:%Y-%m-%d} 相差超过30天，"
                                    f"按到达时间排序 [the Date header is more than 30 days from the arrival]",
                        severity="warning", file=env.file_name, value=date.isoformat())]
    return []


def _late(identity: Identity, env: Envelope, municipal: MunicipalScheme) -> str | None:
    """Departments' target books are due by ``departments.submission_deadline`` of the year;
    the districts' business figures (the appendix tables of the districts' business parts)
    by ``districts.submission_deadline`` of the next year. Measured by arrival, never by the
    sender's Date."""
    kind = identity.template_kind
    district_tables = {f"appendix:{t}" for part in municipal.districts.business
                       for t in (part.table, *part.alternatives) if t}
    deadline = None
    if kind == "target-book":
        mm, dd = (int(x) for x in municipal.departments.submission_deadline.split("-"))
        deadline = dt.date(identity.year, mm, dd)
    elif kind.removesuffix(":districts") in district_tables:
        mm, dd = (int(x) for x in municipal.districts.submission_deadline.split("-"))
        deadline = dt.date(identity.year + 1, mm, dd)
    when = env.arrival
    if deadline and when and when.date() > deadline:
        return f"逾期：应于{deadline.isoformat()}前报送，实际{when.date().isoformat()}到达"
    return None


def expected(ctx: Context) -> dict[str, list[str]]:
    """For each unit, the templates it should send."""
    out: dict[str, list[str]] = {}
    for tier, unit_type in (("departments", "部门"), ("districts", "区市")):
        scheme = getattr(ctx.municipal, tier)
        kinds = []
        for part in scheme.business + scheme.public:
            if part.table:
                table = ctx.municipal.table(part.table)
                kinds.append(f"appendix:{table.id}" + (f":{tier}" if len(table.tiers) > 1 else ""))
        if tier == "departments":
            kinds.append("target-book")
        kinds.append("staff-roster")
        for code in sorted(u.code for u in ctx.roster.of_type(unit_type)):
            out[code] = list(kinds)
    return out


def make_context(master: Path, *, municipal: MunicipalScheme, audit: AuditScheme, year: int, store: Store) -> Context:
    return Context(municipal, audit, year, read_roster(master), References(municipal, audit, year),
                   store.secret(year=year),
                   load_settings(master.parent))


def check_batch(envelopes: list[Envelope], ctx: Context, store: Store,
                progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """Every file's outcome, in inbox order: sorted out, a duplicate of bytes already
    taken, or checked in full (see :func:`check_envelope`). Reads the record, writes nothing."""
    outcomes: list[Outcome] = []
    taken: set[str] = set()  # the hashes of this batch's outcomes in TAKEN (a set: a batch may be large)
    held: set[str] = set()  # … and of those HELD
    for i, env in enumerate(envelopes, start=1):
        digest = hashlib.sha256(env.data).hexdigest()
        sorted_out = sort_envelope(env, digest)
        if sorted_out is not None:
            outcomes.append(file_report(env, digest, ctx) if sorted_out.status == OTHER and is_half_year_report(env)
                            else sorted_out)
        elif store.received_hash(digest, ctx.year) or digest in taken:
            outcomes.append(Outcome(env, digest, status=DUPLICATE))
        else:
            # a held copy does not make the same bytes a duplicate: the unit's own
            # re-send from its registered address is checked and may be accepted
            checked = check_envelope(env, ctx)
            if checked.status == REJECTED and checked.identity is None and is_half_year_report(env):
                checked = file_report(env, digest, ctx)  # a report (any document), not a template of ours
            held_before = checked.status == HELD and (store.held_hash(digest, ctx.year) or digest in held)
            outcomes.append(Outcome(env, digest, status=DUPLICATE) if held_before else checked)
        status = outcomes[-1].status
        if status in TAKEN:
            taken.add(digest)
        elif status == HELD:
            held.add(digest)
        if progress:
            progress(i, len(envelopes))
    return outcomes


def _taken_meanwhile(outcomes: list[Outcome], store: Store, year: int) -> list[Outcome]:
    """Under the lock: a file another run took while this one was checking is now a
    duplicate (its bytes are on record)."""
    return [Outcome(o.envelope, o.file_hash, status=DUPLICATE)
            if o.status in (ACCEPTED, WARNING, HELD) and store.received_hash(o.file_hash, year) else o
            for o in outcomes]


def run_intake(inbox: Path, master: Path, *, municipal: MunicipalScheme, audit: AuditScheme, year: int,
               progress: Callable[[int, int], None] | None = None, dry_run: bool = False,
               recheck: bool = False) -> BatchResult:
    """Check every file of the inbox not seen by an earlier intake of the year, then,
    holding the master's lock only for that, record them all and write the winners into
    the master. The checking (the costly part, bounded per file) runs before the lock, so
    a slow or hostile file never keeps another command from the master. A file an earlier
    run saw (still in the inbox) is not taken in, listed or counted again: its outcome is
    on record (:meth:`Store.items`), and the receipt shows it.

    ``dry_run``: check and report, and change nothing — not the master, not the record
    (the outcomes carry no 报送编号). ``recheck``: files an earlier run rejected are checked
    again (after the office fixed its roster or scheme)."""
    master = Path(master)
    check_not_open(master)
    envelopes, inbox_problems = collect(Path(inbox))
    store = open_store(master)
    try:
        seen = store.seen_items(year)
        again = {k for k, status in seen.items() if recheck and status == REJECTED}
        fresh = [env for env in envelopes if (key := (env.source, env.file_name, _digest(env))) not in seen
                 or key in again]
        earlier = len(envelopes) - len(fresh)
        inbox_problems = [p for p in inbox_problems if (p.file or "", p.code, "") not in seen]
        # a message fetched over IMAP arrived when the office's server says (INTERNALDATE)
        times = store.server_times()
        fresh = [dataclasses.replace(env, arrived=times[env.source]) if env.source in times else env for env in fresh]
        ctx = make_context(master, municipal=municipal, audit=audit, year=year, store=store)
        outcomes = check_batch(fresh, ctx, store, progress)
        written = 0
        if not dry_run:
            outcomes, ctx, written = _record_batch(master, fresh, outcomes, inbox_problems, ctx, store, year,
                                                   recheck, inbox=Path(inbox))
        else:
            _pick_current(outcomes, store, year)  # superseded within the batch or by what is on record
            _notes(outcomes, store, year)
    finally:
        store.close()
    unchecked = sorted({o.unchecked_sender for o in outcomes if o.unchecked_sender and o.status != REJECTED})
    notices = []
    if unchecked:
        notices.append(Problem(
            "sender_unchecked", f"以下报送方未登记报送邮箱，本批未核对发件人：{'、'.join(unchecked)[:600]}；"
            f"请在汇总工作簿“报送邮箱”列或 设置.yaml 中登记 [no address on record for these senders: not checked]",
            severity="warning"))
    return BatchResult(outcomes, inbox_problems, missing_templates(master, ctx, outcomes), written, notices,
                       earlier=earlier, dry_run=dry_run)


def _digest(env: Envelope) -> str:
    return hashlib.sha256(env.data).hexdigest()


def _record_batch(master: Path, fresh: list[Envelope], outcomes: list[Outcome], inbox_problems: list[Problem],
                  ctx: Context, store: Store, year: int, recheck: bool,
                  inbox: Path | None = None) -> tuple[list[Outcome], Context, int]:
    """Under the master's lock: the record and the master change together, or neither does."""
    with master_lock(master):
        remove_stale_temps(master)
        if read_roster(master) != ctx.roster:  # the office changed its roster meanwhile: check again
            ctx = make_context(master, municipal=ctx.municipal, audit=ctx.audit, year=year, store=store)
            outcomes = check_batch(fresh, ctx, store)
        else:
            outcomes = _taken_meanwhile(outcomes, store, year)
        winners = _pick_current(outcomes, store, year)
        written = 0
        try:
            with store.transaction():
                written = _apply(master, winners)
                current = {id(o) for o in winners}  # by identity: == compares whole outcomes, files included
                for o in outcomes:  # the evidence, as durable as the record (one commit)
                    if o.status not in UNRECORDED or o.status == FILED:
                        store.keep_evidence(o.file_hash, o.envelope.data)
                    if o.status == FILED:
                        store.record_filing(year, o.values["unit_code"], o.values["unit_name"], o.envelope.file_name,
                                            o.file_hash, o.envelope.source, o.envelope.mailer,
                                            o.envelope.arrival.isoformat() if o.envelope.arrival else None)
                messages = kept_messages(store, inbox, [o.envelope for o in outcomes if o.status not in UNRECORDED])
                for o in outcomes:
                    if o.status in UNRECORDED:
                        continue
                    row = {**_row(o, year), "message_hash": messages.get(o.envelope.source)}
                    o.record_id, o.replaced = store.record(row, o.values, make_current=id(o) in current)
                    if id(o) in current:  # the master cells it wrote (provenance, issue 26)
                        record_writes(store.db, store.submission(o.record_id, year)["id"], o.updates)
                    if o.status in (ACCEPTED, WARNING, SUPERSEDED):
                        store.settle_held(o.file_hash, o.record_id, year)
                _notes(outcomes, store, year)
                for o in outcomes:  # what each file got when first taken in: a rerun skips it
                    if recheck:
                        store.forget_item(year, o.envelope.source, o.envelope.file_name, o.file_hash)
                    store.record_item(year, o.envelope.source, o.envelope.file_name, o.file_hash, o.status,
                                      o.reasons, o.record_id, o.note)
                for p in inbox_problems:
                    store.record_item(year, p.file or "", p.code, "", "problem", [p.message])
        except BaseException:
            if written:
                restore_backup(master)
            raise
    return outcomes, ctx, written


def _notes(outcomes: list[Outcome], store: Store, year: int) -> None:
    """What a sender is told beyond the status: the earlier 报送编号 a file replaced, and
    whose submission a duplicate is (the sender holds those bytes: naming their unit tells
    them nothing new)."""
    for o in outcomes:
        if o.replaced is not None:
            o.note = f"已替代此前的报送（报送编号 {o.replaced}），以本次为准"
        elif o.status == DUPLICATE:
            row = store.by_hash(o.file_hash, year)
            if row is not None:
                whose = f"{row['unit_code']} {row['unit_name']}" if row["unit_code"] else "此前"
                o.note = (f"与{whose}已报送的文件完全相同（报送编号 {row['number']}，"
                          f"{STATUS_ZH.get(row['status'], row['status'])}），未再处理")


def year_submissions(master: Path, year: int) -> tuple[list, list]:
    """Every submission of the intake of ``year`` with its current status, and the
    half-year reports filed (the receipt)."""
    store = open_store(master)
    try:
        return store.year_submissions(year), store.filings(year)
    finally:
        store.close()


def open_store(master: Path) -> Store:
    """The record beside the master. If it cannot be made (a read-only folder, a full
    disk), no empty or table-less file is left behind."""
    path = archive_path(master)
    existed = path.exists()
    try:
        return Store(path)
    except BaseException:
        if not existed:
            for extra in ("", "-wal", "-shm", "-journal"):
                Path(str(path) + extra).unlink(missing_ok=True)
        raise


def missing_templates(master: Path, ctx: Context, outcomes: list[Outcome]) -> list[tuple[str, str, str]]:
    received = {(o.identity.unit_code, o.identity.template_kind) for o in outcomes
                if o.identity and o.status in (ACCEPTED, WARNING, SUPERSEDED, DUPLICATE, HELD)}
    received |= _stored_received(master)
    names = {u.code: u.name for u in ctx.roster.units}
    missing = []
    for code, kinds in expected(ctx).items():
        for kind in kinds:
            alt = kind.replace("附表4", "附表4B") if kind == "appendix:附表4" else None
            if (code, kind) not in received and (alt is None or (code, alt) not in received):
                missing.append((code, names.get(code, ""), kind))
    return missing


def _apply(master: Path, winners: list[Outcome]) -> int:
    """Write the winners' inputs into the master in one atomic write; a submission whose
    updates cannot be applied is rejected alone (its reason located at the master)."""
    groups = [o.updates for o in winners]
    if not any(groups):
        return 0
    written, failures = apply_groups(master, groups)
    for index, exc in failures:
        o = winners[index]
        o.status = REJECTED
        o.problems.append(Problem("apply_failed", f"写入汇总工作簿失败，本文件未采用：{exc} [could not write this "
                                                  f"file's values into the master]", file=o.envelope.file_name))
    for index in sorted((i for i, _ in failures), reverse=True):
        del winners[index]
    return written


def _stored_received(master: Path) -> set[tuple[str, str]]:
    store = Store(archive_path(master))
    try:
        return {(u, k) for u, k in store.db.execute(
            "SELECT unit_code, kind FROM submissions WHERE is_current = 1 OR status = 'held'")}
    finally:
        store.close()


def _stored_arrival(row) -> dt.datetime | None:
    text = row["arrived_at"] or row["file_time"]
    return dt.datetime.fromisoformat(text) if text else None


def _pick_current(outcomes: list[Outcome], store: Store, year: int) -> list[Outcome]:
    """The latest acceptable file per unit and kind, by arrival at the office; an older
    one in the batch, or one that arrived before what is on record, is superseded."""
    best: dict[tuple[str, str], Outcome] = {}
    for o in outcomes:
        if o.status not in (ACCEPTED, WARNING):
            continue
        key = (o.identity.unit_code, o.identity.template_kind)
        if key not in best or o.envelope.when > best[key].envelope.when:
            best[key] = o
    winners = []
    for o in outcomes:
        if o.status not in (ACCEPTED, WARNING):
            continue
        key = (o.identity.unit_code, o.identity.template_kind)
        if best[key] is not o:
            o.status = SUPERSEDED
            o.problems.append(Problem("superseded", "同一批次中该单位重复报送此表，以到达时间最新的一份为准 "
                                      "[the same unit sent this template twice; the last to arrive is used]",
                                      severity="warning", file=o.envelope.file_name))
            continue
        current = store.current(year, key[1], key[0])
        if current is not None and o.envelope.arrival is not None:
            on_record = _stored_arrival(current)
            if on_record is not None and on_record > o.envelope.arrival:
                o.status = SUPERSEDED
                o.problems.append(Problem("older", "已收到该单位更晚到达的同一报表，本份未采用 "
                                          "[a later arrival is already on record]", severity="warning",
                                          file=o.envelope.file_name))
                continue
        winners.append(o)
    return winners


def submissions_folder(master: Path) -> Path:
    """Where intake kept files before the archive kept them (read for older records)."""
    return master.parent / f"{master.stem}_submissions"


def kept_file(store: Store, master: Path, file_hash: str) -> bytes:
    """A submitted file's bytes from the archive's evidence (or, for a record made before
    the archive kept files, the submissions folder), checked against its hash."""
    data = store.evidence(file_hash)
    if data is not None:
        return data
    path = submissions_folder(master) / f"{file_hash}.xlsx"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReleaseError(f"档案中没有保存该报送的文件（{file_hash[:12]}…），也不在 {path.parent.name} 中 "
                           f"[the submitted file is not kept]") from None
    if hashlib.sha256(data).hexdigest() != file_hash:
        raise ReleaseError(f"暂存的文件已损坏或被改动：{path.name} [the kept file does not match its hash]")
    return data


def kept_messages(store: Store, inbox: Path | None, envelopes: list[Envelope]) -> dict[str, str]:
    """Keep the message each file came in (the inbox file it was read from, when that is
    not the file itself: an .eml, an .msg, a bundle) in the archive's evidence, once per
    message (inside the caller's transaction); returns source → the message's hash. A
    message removed from the inbox since it was read is not kept (its file is)."""
    out: dict[str, str] = {}
    if inbox is None:
        return out
    for env in envelopes:
        if env.source in out:
            continue
        path = inbox / env.source
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # cleaned out meanwhile: the file itself is kept
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest == hashlib.sha256(env.data).hexdigest():
            continue  # a loose file: it is its own evidence
        store.keep_evidence(digest, data)
        out[env.source] = digest
    return out


def _row(o: Outcome, year: int) -> dict[str, Any]:
    env, ident = o.envelope, o.identity
    return {
        "file_hash": o.file_hash, "file_name": env.file_name, "source": env.source, "sender": env.sender,
        "subject": env.subject, "message_date": env.message_date.isoformat() if env.message_date else None,
        "file_time": env.file_time.isoformat() if env.file_time else None,
        "received_at": dt.datetime.now().isoformat(timespec="seconds"), "intake_year": year,
        "unit_code": ident.unit_code if ident else None, "unit_name": ident.unit_name if ident else None,
        "kind": ident.template_kind if ident else None, "year": ident.year if ident else None,
        "template_id": ident.template_id if ident else None, "status": o.status,
        "reasons": json.dumps(o.reasons, ensure_ascii=False), "mailer": env.mailer,
        "arrived_at": env.arrival.isoformat() if env.arrival else None,
    }


class ReleaseError(KaoheError):
    pass


def release_held(master: Path, sid: int, *, by: str, municipal: MunicipalScheme, audit: AuditScheme,
            year: int) -> Outcome:
    """Apply a held submission after the office has checked it (by phone): the file is
    checked again in full, except for its sender, and applied like any submission. The
    release is recorded with who and when."""
    by = " ".join(str(by or "").split())
    if not by or not all(ch.isprintable() for ch in by) or len(by) > 40:
        raise ReleaseError("放行人（--by）应为核实人的姓名，不能为空白，不超过40字，如 --by 张科长 "
                           "[--by must name the person who checked the sender]")
    master = Path(master)
    check_not_open(master)
    with master_lock(master):
        store = open_store(master)
        try:
            row = store.submission(sid, year)
            if row is None or row["status"] != HELD:
                state = "不存在" if row is None else f"状态为“{STATUS_ZH.get(row['status'], row['status'])}”"
                raise ReleaseError(f"报送记录 {sid} {state}，只能放行“暂缓（待核实）”的报送 "
                                   f"[submission {sid} is not held]")
            data = kept_file(store, master, row["file_hash"])
            env = Envelope(row["file_name"], data, row["source"], row["sender"], row["subject"],
                           dt.datetime.fromisoformat(row["message_date"]) if row["message_date"] else None,
                           dt.datetime.fromisoformat(row["file_time"]) if row["file_time"] else None,
                           mailer=row["mailer"],
                           arrived=dt.datetime.fromisoformat(row["arrived_at"]) if row["arrived_at"] else None)
            ctx = make_context(master, municipal=municipal, audit=audit, year=year, store=store)
            outcome = check_envelope(env, ctx, vouched=True)  # the office vouched for the sender
            outcome.problems.append(Problem("released", f"已由 {by} 核实放行 [released by {by}]", severity="warning",
                                            file=env.file_name))
            if outcome.status not in (ACCEPTED, WARNING):
                raise ReleaseError("重新核对未通过，不能放行：" + "；".join(outcome.reasons)[:500])
            winners = _pick_current([outcome], store, year)
            _apply(master, winners)
            with store.transaction():
                store.release(row, outcome.status, by, make_current=outcome in winners)
                if outcome in winners:
                    record_writes(store.db, row["id"], outcome.updates)
            outcome.record_id = sid
            return outcome
        finally:
            store.close()
