"""The sample city of `kaohe demo`, `kaohe template` and `kaohe init` (issue 23, item 8):
every department's name once, city-wide; every person a whole, plausible name."""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from addin.demo import GROUPS, sample_city
from addin.sample import SURNAMES, person_names

HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def test_sample_city__department_names_are_unique_in_each_group_and_city_wide():
    roster = sample_city(2026)
    departments = [u for u in roster.units if u.type == "部门"]
    assert len(departments) == 60
    repeated = [n for n, k in Counter(u.name for u in roster.units).items() if k > 1]
    assert repeated == []  # city-wide, districts and audit units included (so within each group too)
    assert not any("（二）" in u.name for u in departments)
    sizes = Counter(u.group for u in departments)  # B001… go round the 8 groups: 60 = 4 × 8 + 4 × 7
    assert [sizes[g] for g in GROUPS] == [8, 8, 8, 8, 7, 7, 7, 7]
    assert next(u for u in departments if u.code == "B001").name == "市发展改革委"


def test_sample_city__staff_names_are_whole_and_plausible():
    roster = sample_city(2026)
    assert len(roster.people) == 3000
    names = [p.name for p in roster.people]
    bad = [p for p in roster.people if not (2 <= len(p.name) <= 3 and HAN.match(p.name) and p.name[0] in SURNAMES)]
    assert bad == []  # a surname and one or two characters: never "市农业农干部43"
    assert not any("干部" in n or n.startswith("市") for n in names)
    assert len(set(names)) == len(names)  # no two people share a name, city-wide
    units = {u.code: u.name for u in roster.units}
    assert not any(units[p.unit][:4] in p.name for p in roster.people)


def test_sample_city__the_same_seed_gives_the_same_city():
    a, b = sample_city(2026), sample_city(2026)
    assert [(p.code, p.name, p.unit, p.level, p.is_head) for p in a.people] == \
        [(p.code, p.name, p.unit, p.level, p.is_head) for p in b.people]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 3000), st.integers())
def test_person_names__distinct_whole_and_repeatable_for_any_seed(count, seed):
    names = person_names(count, seed)
    assert len(names) == count and len(set(names)) == count
    assert all(2 <= len(n) <= 3 and HAN.match(n) and n[0] in SURNAMES for n in names)
    assert person_names(count, seed) == names
