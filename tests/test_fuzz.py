"""Any cell value, through intake and through recompute: any unicode, any float string,
huge exponents. The outcome is accepted or a located problem, never an exception."""

from __future__ import annotations

import re
import shutil
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ooxml
from addin.intake.mail import Envelope
from addin.intake.run import ACCEPTED, REJECTED, WARNING, check_envelope, make_context
from addin.intake.store import Store
from fill import seed_secret
from test_intake import filled, templates  # noqa: F401

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.from_regex(r"-?\d{1,40}(\.\d{0,30})?([eE][+-]?\d{1,6})?", fullmatch=True),
    st.sampled_from(["1e26", "1e308", "1e-400", "-0", "NaN", "inf", "9" * 400, "0x1F", "１２", "1,5", "1e999999"]),
)
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60)


def _cell_xml(ref: str, style: str, value: str, as_number: bool) -> str:
    if as_number:
        return f'<c r="{ref}"{style}><v>{escape(value)}</v></c>'
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def _xml_safe(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20 and ch not in "\ufffe\uffff")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_check_envelope__any_cell_value_is_accepted_or_a_located_problem(tmp_path_factory, templates, municipal,
                                                                          audit, data):  # noqa: F811
    work = tmp_path_factory.mktemp("fuzz")
    shutil.copy(templates[("KHB", "master")], work / "master.xlsx")
    seed_secret(work / "master.xlsx")
    base = filled(templates, work, name="base.xlsx").read_bytes()
    parts = ooxml.unpack(base)
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    inputs = ["F8", "F9", "F10", "F12", "F13", "F14", "F17", "F18", "F19", "F20"]
    ref = data.draw(st.sampled_from(inputs))
    as_number = data.draw(st.booleans())
    value = _xml_safe(data.draw(NUMBERS if as_number else st.one_of(NUMBERS, TEXT)))
    sheet = re.sub(rf'<c r="{ref}"( s="\d+")?(?: t="\w+")?(?:/>|>.*?</c>)',
                   lambda m: _cell_xml(ref, m.group(1) or "", value, as_number), sheet, count=1, flags=re.S)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    store = Store(work / "master.kaohe.sqlite")
    try:
        ctx = make_context(work / "master.xlsx", municipal=municipal, audit=audit, year=2026, store=store)
        outcome = check_envelope(Envelope("x.xlsx", ooxml.pack(parts), "x.xlsx", loose=True), ctx)
    finally:
        store.close()
    assert outcome.status in (ACCEPTED, WARNING, REJECTED)
    if outcome.status == REJECTED:
        located = [p for p in outcome.problems if p.is_error]
        assert located and all(p.file == "x.xlsx" for p in located)
        assert all(p.cell for p in located if p.code not in ("broken_xml", "unreadable"))
        assert any(p.cell == ref for p in located) or located[0].code in ("broken_xml",)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(NUMBERS, TEXT), column=st.sampled_from(["业务目标", "党的建设", "通报批评次数", "上年综合得分",
                                                                 "一票否决", "弄虚作假"]))
def test_recompute__any_office_input_is_a_result_or_a_located_problem(tmp_path_factory, templates, municipal,
                                                                       value, column):  # noqa: F811
    from addin.hosts import FileHost
    from addin.intake.extract import Update
    from addin.intake.master import apply_updates
    from addin.macro import recompute

    work = tmp_path_factory.mktemp("fuzz_recompute")
    shutil.copy(templates[("KHB", "master")], work / "master.xlsx")
    full = {"业务目标": 60, "党的建设": 9, "党风廉政建设": 9, "精神文明建设": 4, "招商引资": 4, "通报批评次数": 0}
    apply_updates(work / "master.xlsx", [Update("部门", "单位编码", code, full) for code in ("B001", "B002")] +
                  [Update("部门", "单位编码", "B001", {column: _xml_safe(value)})])
    outcome = recompute(FileHost(work / "master.xlsx"), municipal)
    if not outcome.ok:
        errors = [p for p in outcome.problems if p.is_error]
        assert errors and all(p.sheet and p.cell for p in errors), errors
