"""The year folder's ``节假日.yaml``: the State Council's holiday arrangements as the office
enters them (see :mod:`addin.scheme.holidays` for the format). Read, validated with the
file, path and reason on error, and joined with the scheme's own ``holidays`` into the
calendar the engine counts with (this file wins for the years it lists)."""

from __future__ import annotations

from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from addin.engine.calendar import Calendar, calendar_of
from addin.errors import HolidaysError
from addin.scheme.holidays import HolidayYear
from addin.scheme.loader import read_yaml, validation_issues
from addin.scheme.models import MunicipalScheme

HOLIDAYS_FILE = "节假日.yaml"
_YEARS = TypeAdapter(dict[int, HolidayYear])


def load_holiday_file(path: Path) -> dict[int, HolidayYear]:
    data = read_yaml(path, HolidaysError) or {}
    try:
        years = _YEARS.validate_python(data)
    except ValidationError as exc:
        raise HolidaysError(str(path), validation_issues(exc)) from None
    for year, entry in years.items():
        stray = [d for d in (*entry.days_off, *entry.workdays) if d.year != year]
        if stray:
            raise HolidaysError(str(path), [(f"{year}", f"{stray[0].isoformat()} 不在 {year} 年内 [a date outside "
                                                       f"its year]")])
    return years


def holiday_files(folder: Path | None) -> list[Path]:
    """The ``节假日.yaml`` files that count for ``folder``, weakest first: the office's (the
    parent of a year folder), then the folder's own."""
    if folder is None:
        return []
    from addin.office.folder import office_of

    office = office_of(Path(folder))
    candidates = [*([office / HOLIDAYS_FILE] if office is not None else []), Path(folder) / HOLIDAYS_FILE]
    return [p for p in candidates if p.is_file()]


def year_calendar(scheme: MunicipalScheme, folder: Path | None) -> Calendar:
    """The calendar of a year folder: the scheme's arrangements, then the office's
    ``节假日.yaml``, then the folder's own (each wins for the years it lists)."""
    extra: dict[int, HolidayYear] = {}
    for path in holiday_files(folder):
        extra.update(load_holiday_file(path))
    return calendar_of(scheme.holidays, extra)
