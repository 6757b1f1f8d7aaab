"""Build templates into a folder: every kind, or some kinds, for every unit or one unit."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from addin import __version__
from addin.office.roster import Roster, RosterUnit
from addin.scheme.loader import scheme_hash
from addin.scheme.models import AuditScheme, MunicipalScheme
from addin.workbook.identity import FORMULA_FORMS, OPEN_STAFF_ROSTER, Identity, make_template_id
from workbook_templates.form import FormBook

OFFICE = RosterUnit("KHB", "市考核办", "部门")
OFFICE_FOLDER = "市考核办"
KIND_IDS = ["appendix", "target-book", "district-book", "scoring-sheet", "register", "staff-roster", "staff-form",
            "staff-book", "audit-form", "master"]
HALF_YEAR = "half-year"
"""The districts' appendix tables of the half-year round, marked 半年 (kind ids end ``:half``):
built on request only, never with the year-end set."""
HALF = ":half"
Books = dict[str, list[tuple[str, Decimal, str]]]


def all_kinds() -> list[str]:
    """Every kind ``--kind`` accepts: the year-end set (:data:`KIND_IDS`) and the half-year round."""
    return [*KIND_IDS, HALF_YEAR]


@dataclass(frozen=True)
class Built:
    path: Path
    identity: Identity


@dataclass(frozen=True)
class Job:
    """One workbook to build: its kind, its unit, its file, and how to fill it."""

    kind: str
    label: str
    unit: RosterUnit
    folder: str
    fill: Callable[[FormBook], None]
    scheme: MunicipalScheme | AuditScheme
    formulas: str = "addin"
    keyed_as: str | None = None
    """The kind its template id is keyed with, when a variant of the kind must not pass for
    the other (the open staff roster, for a unit with nobody on the roster)."""


def safe(text: str) -> str:
    """A file-name fragment: no path separators, no characters Windows forbids."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("._") or "_"


def run_jobs(jobs: Iterable[Job], out_dir: Path, year: int, secret: bytes = b"") -> list[Built]:
    built = []
    hashes: dict[int, str] = {}
    for job in jobs:
        if id(job.scheme) not in hashes:
            hashes[id(job.scheme)] = scheme_hash(job.scheme)
        digest = hashes[id(job.scheme)]
        identity = Identity(
            template_kind=job.kind, scheme_id=job.scheme.id, scheme_version=job.scheme.version, scheme_hash=digest,
            year=year, unit_code=job.unit.code, unit_name=job.unit.name,
            template_id=make_template_id(job.keyed_as or job.kind, digest, year, job.unit.code, secret),
            generator_version=f"kaohe {__version__}", formulas=job.formulas,
        )
        path = out_dir / safe(job.folder) / f"{year}_{safe(job.unit.code)}_{safe(job.label)}.xlsx"
        book = FormBook(path, identity)
        try:
            job.fill(book)
            built.append(Built(book.close(), identity))
        except BaseException:
            book.discard()
            raise
    return built


def plan_jobs(municipal: MunicipalScheme, audit: AuditScheme, roster: Roster, year: int, kinds: set[str],
              unit: str | None, books: Books | None, formulas: str | None = None) -> list[Job]:
    """The workbooks to build. ``formulas`` (addin or native) overrides each unit's 填报方式."""
    from workbook_templates.appendix import build_appendix
    from workbook_templates.audit_form import build_audit_form
    from workbook_templates.district_book import build_district_book
    from workbook_templates.master import build_master
    from workbook_templates.register import build_register
    from workbook_templates.scoring_sheet import build_scoring_sheet
    from workbook_templates.staff import build_staff_forms, build_staff_roster
    from workbook_templates.staff_book import build_staff_books
    from workbook_templates.target_book import build_target_book

    def wanted(u: RosterUnit) -> bool:
        return unit is None or u.code == unit

    jobs: list[Job] = []
    for tier, types in (("departments", ("部门",)), ("districts", ("区市",))):
        tier_scheme = getattr(municipal, tier)
        table_ids = [t for part in tier_scheme.business + tier_scheme.public
                     for t in ([part.table] if part.table else []) + part.alternatives]
        for u in filter(wanted, roster.of_type(*types)):
            folder = f"{u.code}_{u.name}"
            fm = formulas or u.formulas
            if "appendix" in kinds:
                for table_id in table_ids:
                    table = municipal.table(table_id)
                    kind = f"appendix:{table.id}" + (f":{tier}" if len(table.tiers) > 1 else "")
                    jobs.append(Job(kind, f"{table.id}_{table.title}", u, folder,
                                    lambda b, t=table, tr=tier, u=u, fm=fm: build_appendix(b, municipal, t, tr, u.name,
                                                                                           year, fm),
                                    municipal, fm))
            if HALF_YEAR in kinds and tier == "districts":  # the half-year round: the same tables, marked 半年
                for table_id in table_ids:
                    table = municipal.table(table_id)
                    kind = f"appendix:{table.id}" + (f":{tier}" if len(table.tiers) > 1 else "") + HALF
                    jobs.append(Job(kind, f"{table.id}_{table.title}_半年", u, folder,
                                    lambda b, t=table, tr=tier, u=u, fm=fm: build_appendix(b, municipal, t, tr, u.name,
                                                                                           year, fm, half_year=True),
                                    municipal, fm))
            if "target-book" in kinds and tier == "departments":
                jobs.append(Job("target-book", "目标责任书", u, folder,
                                lambda b, u=u: build_target_book(b, municipal, u.name, u.group, year,
                                                                 (books or {}).get(u.code)), municipal, fm))
            if "district-book" in kinds and tier == "districts":
                jobs.append(Job("district-book", "目标责任书", u, folder,
                                lambda b, u=u: build_district_book(b, municipal, u.name, year), municipal, "native"))
            if "staff-roster" in kinds:
                jobs.append(Job("staff-roster", "工作人员考核名册", u, folder,
                                lambda b, u=u, fm=fm: build_staff_roster(b, municipal, u.name, roster.staff_of(u.code),
                                                                         year, fm),
                                municipal, fm, None if roster.staff_of(u.code) else OPEN_STAFF_ROSTER))
            if "staff-form" in kinds:
                jobs.append(Job("staff-form", "工作人员年度考核表", u, folder,
                                lambda b, u=u, fm=fm: build_staff_forms(b, municipal, u.name, roster.staff_of(u.code),
                                                                        year, fm),
                                municipal, fm))
            if "staff-book" in kinds:
                jobs.append(Job("staff-book", "工作人员目标责任书", u, folder,
                                lambda b, u=u: build_staff_books(b, municipal, u.name, roster.staff_of(u.code), year),
                                municipal, "native"))  # the books' only formulas are ordinary ones, in either form
    if "scoring-sheet" in kinds:
        for group, units in roster.groups().items():
            if unit is not None and unit not in (group, f"G-{group}") and not any(u.code == unit for u in units):
                continue
            gu = RosterUnit(f"G-{group}", f"{group}分口考核组", "部门", group)
            jobs.append(Job("scoring-sheet", f"{group}_业务目标评分表", gu, f"分口_{group}",
                            lambda b, g=group, us=units: build_scoring_sheet(b, municipal, g, us, year, books),
                            municipal, formulas or "addin"))
    if "audit-form" in kinds:
        for u in filter(wanted, roster.of_type("科室", "县市区局")):
            fm = formulas or u.formulas
            jobs.append(Job(f"audit-form:{u.type}", "审计目标考评表", u, f"审计局_{u.code}_{u.name}",
                            lambda b, u=u, fm=fm: build_audit_form(b, audit, u.code, u.name, u.type, year, fm), audit,
                            fm))
    if unit is None or unit == OFFICE.code:
        if "register" in kinds:
            jobs.append(Job("register", "加减分登记表", OFFICE, OFFICE_FOLDER,
                            lambda b: build_register(b, municipal, roster, year), municipal, formulas or "addin"))
        if "master" in kinds:
            jobs.append(Job("master", "考核汇总工作簿", OFFICE, OFFICE_FOLDER,
                            lambda b: build_master(b, municipal, roster, year, audit), municipal, formulas or "addin"))
    return jobs


PARALLEL_FROM = 120
"""Below this many workbooks one process is faster than starting workers."""


def _build_share(share: int, shares: int, out_dir: Path, municipal: MunicipalScheme, audit: AuditScheme,
                 roster: Roster, year: int, kinds: set[str], unit: str | None, books: Books | None,
                 secret: bytes, formulas: str | None) -> list[Built]:
    """Run every ``shares``-th job starting at ``share`` (a worker's part of the plan)."""
    jobs = plan_jobs(municipal, audit, roster, year, kinds, unit, books, formulas)
    return run_jobs(jobs[share::shares], out_dir, year, secret)


def build_templates(
    out_dir: Path, *, municipal: MunicipalScheme, audit: AuditScheme, roster: Roster, year: int,
    kinds: Iterable[str] | None = None, unit: str | None = None, books: Books | None = None,
    workers: int | None = None, secret: bytes = b"", formulas: str | None = None,
) -> list[Built]:
    """Build the selected kinds (all when None) for the selected unit (all when None).

    ``secret`` is the office secret of the year's archive (see :mod:`addin.intake.store`):
    it keys every template id. Templates built without it are previews that intake
    refuses as ``metadata_forged``.

    Large builds run in ``workers`` processes (default: one per CPU core); the output is
    the same either way, in plan order.

    ``formulas`` is ``addin`` or ``native`` for every unit; None follows each unit's
    填报方式 in the roster (the add-in when it says nothing).
    """
    selected = set(KIND_IDS if kinds is None else kinds)
    unknown = selected - set(all_kinds())
    if unknown:
        raise ValueError(f"unknown template kinds: {sorted(unknown)}")
    if formulas is not None and formulas not in FORMULA_FORMS:
        raise ValueError(f"formulas must be addin or native, not {formulas!r}")
    out_dir = Path(out_dir)
    jobs = plan_jobs(municipal, audit, roster, year, selected, unit, books, formulas)
    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(jobs) < PARALLEL_FROM:
        return run_jobs(jobs, out_dir, year, secret)
    args = (out_dir, municipal, audit, roster, year, selected, unit, books, secret, formulas)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(_build_share, range(workers), [workers] * workers, *[[a] * workers for a in args]))
    ordered: list[Built] = [None] * len(jobs)  # type: ignore[list-item]
    for share, part in enumerate(parts):
        ordered[share::workers] = part
    return ordered
