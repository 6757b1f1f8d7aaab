"""Names for the built-in sample city (``kaohe demo``, ``kaohe template`` and ``kaohe init``
without a roster all use :func:`addin.demo.sample_city`) and its departments' target-book
items. Inputs are drawn from each item's declared inputs (:func:`addin.demo.item_values`),
so nothing here names an item of the scheme."""

from __future__ import annotations

import random
from decimal import Decimal

DEPT_NAMES = [
    "市发展改革委", "市财政局", "市审计局", "市统计局", "市商务局", "市工信局",
    "市农业农村局", "市水利局", "市林业局", "市自然资源局", "市生态环境局", "市住建局",
    "市教育局", "市卫健委", "市民政局", "市人社局", "市文旅局", "市医保局",
    "市市场监管局", "市应急局", "市交通运输局", "市城管局", "市司法局", "市信访局",
]
DISTRICTS = ["市中区", "薛城区", "峄城区", "台儿庄区", "山亭区", "滕州市", "高新区"]


BOOK_ITEMS = ["重点项目推进", "年度重点任务", "改革创新事项", "民生实事", "服务企业发展", "安全生产与风险防控",
              "法治建设", "信息化建设"]


def sample_books(departments, seed: int = 7) -> dict[str, list[tuple[str, Decimal, str]]]:
    """Each department's 目标责任书 business items: 4–6 items whose points sum to 70."""
    rng = random.Random(seed)
    books = {}
    for u in departments:
        n = rng.randrange(4, 7)
        cuts = sorted(rng.sample(range(5, 66, 5), n - 1))
        points = [b - a for a, b in zip([0, *cuts], [*cuts, 70])]
        names = rng.sample(BOOK_ITEMS, n)
        books[u.code] = [(name, Decimal(p), f"完成{name}年度目标，按完成进度和质量评分") for name, p in zip(names, points)]
    return books
