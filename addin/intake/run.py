"""One intake batch: collect, check, pick the current submission per unit and kind,
write the master once, record everything, and report."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from addin.intake import extract as X
from addin.intake.attachment import SKIPPED as ATTACHMENT_SKIPPED
from addin.intake.attachment import WORKBOOK, classify_attachment
from addin.intake.identify import (
    References,
    check_external,
    check_identity,
    compare_structure,
    read_identity,
    shape_of,
)
from addin.intake.mail import Envelope, collect, name_problem
from addin.intake.master import (
    apply_updates,
    check_not_open,
    master_lock,
    read_keys,
    read_unit_names,
    remove_stale_temps,
)
from addin.intake.package import open_package
from addin.intake.store import Store, archive_path
from addin.intake.xlsx import UnsafeWorkbook, read_book
from addin.problems import Problem
from addin.scheme.models import AuditScheme, MunicipalScheme
from addin.workbook.identity import Identity

ACCEPTED, WARNING, REJECTED, DUPLICATE, SUPERSEDED = "accepted", "warning", "rejected", "duplicate", "superseded"
SKIPPED, OTHER = "skipped", "other"
STATUS_ZH = {ACCEPTED: "接收", WARNING: "接收（有提示）", REJECTED: "退回", DUPLICATE: "重复（已收到相同文件）",
             SUPERSEDED: "已被更新的报送替代", SKIPPED: "跳过（非报送文件）", OTHER: "非报表附件"}
UNRECORDED = (DUPLICATE, SKIPPED, OTHER)
"""Outcomes not written to the submissions record (a duplicate is recorded already; the
others are no submission)."""


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

    @property
    def reasons(self) -> list[str]:
        return [p.message + (f"（{p.sheet}!{p.cell}）" if p.cell else "") for p in self.problems]


@dataclass
class BatchResult:
    outcomes: list[Outcome]
    inbox_problems: list[Problem]
    missing: list[tuple[str, str, str]]
    """(unit code, unit name, template) expected but not received."""
    cells_written: int

    @property
    def rejected(self) -> bool:
        return any(o.status == REJECTED for o in self.outcomes) or any(p.is_error for p in self.inbox_problems)


@dataclass
class Context:
    municipal: MunicipalScheme
    audit: AuditScheme
    year: int
    keys: dict[str, set[str]]
    references: References

    @property
    def units(self) -> set[str]:
        return self.keys["部门"] | self.keys["区市"]


def sort_envelope(env: Envelope, digest: str) -> Outcome | None:
    """The outcome of a file that is no submission (skipped, or a non-spreadsheet
    attachment kept with its message); None for a workbook to check."""
    verdict = classify_attachment(env.file_name, env.data, env.content_type, loose=env.loose)
    if verdict.kind == WORKBOOK:
        return None
    status = SKIPPED if verdict.kind == ATTACHMENT_SKIPPED else OTHER
    return Outcome(env, digest, status=status,
                   problems=[Problem(verdict.code, verdict.reason, severity="warning", file=env.file_name)])


def check_envelope(env: Envelope, ctx: Context) -> Outcome:
    digest = hashlib.sha256(env.data).hexdigest()
    out = Outcome(env, digest)
    name = env.file_name
    problem = name_problem(name, env.source)
    if problem:
        out.problems.append(problem)
        return out
    archive, problem = open_package(env.data, name)
    if problem:
        out.problems.append(problem)
        return out
    try:
        book = read_book(archive, name)
    except UnsafeWorkbook as exc:
        out.problems.append(exc.problem)
        return out
    problem = check_external(book, name)
    identity, p2 = read_identity(book, name)
    if problem or p2:
        out.problems += [p for p in (problem, p2) if p]
        return out
    out.identity = identity
    known = ctx.units | {f"G-{g}" for g in ctx.keys["分口"]} | {"KHB"}
    if identity.template_kind.startswith("audit-form"):
        known |= {identity.unit_code}  # audit units are not on the master's roster
    problem = check_identity(identity, name, municipal=ctx.municipal, audit=ctx.audit, year=ctx.year,
                             known_units=known)
    if problem:
        out.problems.append(problem)
        return out
    reference = ctx.references.get(shape_of(identity, book))
    if reference is None:
        out.problems.append(Problem("not_ours", "无法核对模板结构 [no reference template for this workbook]",
                                    file=name))
        return out
    structure = compare_structure(book, reference, name)
    if structure:
        out.problems += structure
        return out
    extracted = _extract(identity, X.Reader(book, name), ctx)
    out.problems += extracted.problems
    out.values, out.updates = extracted.values, extracted.updates
    errors = [p for p in out.problems if p.is_error]
    out.status = REJECTED if errors else (WARNING if out.problems else ACCEPTED)
    out.late = _late(identity, env)
    return out


def _extract(identity: Identity, reader: X.Reader, ctx: Context) -> X.Extracted:
    base = identity.template_kind.split(":")[0]
    if base == "appendix":
        return X.extract_appendix(identity, reader, ctx.municipal)
    if base == "audit-form":
        return X.extract_audit(identity, reader, ctx.audit)
    if base == "target-book":
        return X.extract_target_book(identity, reader, ctx.municipal)
    if base == "scoring-sheet":
        return X.extract_scoring_sheet(identity, reader, ctx.municipal)
    if base == "register":
        return X.extract_register(identity, reader, ctx.municipal, ctx.units, ctx.year)
    return X.extract_staff_roster(identity, reader, ctx.municipal)


def _late(identity: Identity, env: Envelope) -> str | None:
    """Targets are due by the deadline of the year; district figures by that of the next."""
    kind = identity.template_kind
    deadline = None
    mm, dd = 3, 15
    if kind == "target-book":
        deadline = dt.date(identity.year, mm, dd)
    elif kind in ("appendix:附表5", "appendix:附表6"):
        deadline = dt.date(identity.year + 1, mm, dd)
    when = env.message_date or env.file_time
    if deadline and when and when.date() > deadline:
        return f"逾期：应于{deadline.isoformat()}前报送，实际{when.date().isoformat()}"
    return None


def expected(ctx: Context) -> dict[str, list[str]]:
    """For each unit, the templates it should send."""
    out: dict[str, list[str]] = {}
    for tier, sheet in (("departments", "部门"), ("districts", "区市")):
        scheme = getattr(ctx.municipal, tier)
        kinds = []
        for part in scheme.business + scheme.public:
            if part.table:
                table = ctx.municipal.table(part.table)
                kinds.append(f"appendix:{table.id}" + (f":{tier}" if len(table.tiers) > 1 else ""))
        if tier == "departments":
            kinds.append("target-book")
        kinds.append("staff-roster")
        for code in sorted(ctx.keys[sheet]):
            out[code] = list(kinds)
    return out


def run_intake(inbox: Path, master: Path, *, municipal: MunicipalScheme, audit: AuditScheme, year: int,
               progress: Callable[[int, int], None] | None = None) -> BatchResult:
    master = Path(master)
    check_not_open(master)
    with master_lock(master):
        remove_stale_temps(master)
        keys = read_keys(master)
        ctx = Context(municipal, audit, year, keys, References(municipal, audit, year))
        envelopes, inbox_problems = collect(Path(inbox))
        store = Store(archive_path(master))
        try:
            outcomes: list[Outcome] = []
            for i, env in enumerate(envelopes, start=1):
                digest = hashlib.sha256(env.data).hexdigest()
                sorted_out = sort_envelope(env, digest)
                if sorted_out is not None:
                    outcomes.append(sorted_out)
                elif store.known_hash(digest) or any(o.file_hash == digest for o in outcomes):
                    outcomes.append(Outcome(env, digest, status=DUPLICATE))
                else:
                    outcomes.append(check_envelope(env, ctx))
                if progress:
                    progress(i, len(envelopes))
            winners = _pick_current(outcomes, store, year)
            updates = [u for o in winners for u in o.updates]
            written = apply_updates(master, updates) if updates else 0
            _save_submissions(master, winners)
            with store.transaction():
                for o in outcomes:
                    if o.status in UNRECORDED:
                        continue
                    store.record(_row(o), o.values, make_current=o in winners)
        finally:
            store.close()
        received = {(o.identity.unit_code, o.identity.template_kind) for o in outcomes
                    if o.identity and o.status in (ACCEPTED, WARNING, SUPERSEDED, DUPLICATE)}
        received |= _stored_current(master)
        missing = []
        names = read_unit_names(master)
        for code, kinds in expected(ctx).items():
            for kind in kinds:
                alt = kind.replace("附表4", "附表4B") if kind == "appendix:附表4" else None
                if (code, kind) not in received and (alt is None or (code, alt) not in received):
                    missing.append((code, names.get(code, ""), kind))
        return BatchResult(outcomes, inbox_problems, missing, written)


def _stored_current(master: Path) -> set[tuple[str, str]]:
    store = Store(archive_path(master))
    try:
        return {(u, k) for u, k in store.db.execute("SELECT unit_code, kind FROM submissions WHERE is_current = 1")}
    finally:
        store.close()


def _pick_current(outcomes: list[Outcome], store: Store, year: int) -> list[Outcome]:
    """The latest acceptable file per unit and kind (message date, then file time);
    an older one in the batch, or one older than what is on record, is superseded."""
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
            o.problems.append(Problem("superseded", "同一批次中该单位重复报送此表，以发送时间最新的一份为准 "
                                      "[the same unit sent this template twice; the latest is used]", severity="warning",
                                      file=o.envelope.file_name))
            continue
        current = store.current(year, key[1], key[0])
        if current is not None and current["message_date"] and o.envelope.message_date and \
                dt.datetime.fromisoformat(current["message_date"]) > o.envelope.message_date:
            o.status = SUPERSEDED
            o.problems.append(Problem("older", "已收到该单位更晚发送的同一报表，本份未采用 "
                                      "[a later submission is already on record]", severity="warning",
                                      file=o.envelope.file_name))
            continue
        winners.append(o)
    return winners


def _save_submissions(master: Path, winners: list[Outcome]) -> None:
    """Keep each accepted file, named by its hash (never by the sender's name)."""
    folder = master.parent / f"{master.stem}_submissions"
    folder.mkdir(exist_ok=True)
    for o in winners:
        target = folder / f"{o.file_hash}.xlsx"
        if not target.exists():
            tmp = target.with_suffix(".part")
            tmp.write_bytes(o.envelope.data)
            os.replace(tmp, target)


def _row(o: Outcome) -> dict[str, Any]:
    env, ident = o.envelope, o.identity
    return {
        "file_hash": o.file_hash, "file_name": env.file_name, "source": env.source, "sender": env.sender,
        "subject": env.subject, "message_date": env.message_date.isoformat() if env.message_date else None,
        "file_time": env.file_time.isoformat() if env.file_time else None,
        "received_at": dt.datetime.now().isoformat(timespec="seconds"),
        "unit_code": ident.unit_code if ident else None, "unit_name": ident.unit_name if ident else None,
        "kind": ident.template_kind if ident else None, "year": ident.year if ident else None,
        "template_id": ident.template_id if ident else None, "status": o.status,
        "reasons": json.dumps(o.reasons, ensure_ascii=False),
    }
