"""Names for the built-in sample city (``kaohe demo``, ``kaohe template`` and ``kaohe init``
without a roster all use :func:`addin.demo.sample_city`) and its departments' target-book
items. Inputs are drawn from each item's declared inputs (:func:`addin.demo.item_values`),
so nothing here names an item of the scheme."""

from __future__ import annotations

import random
from decimal import Decimal

DEPARTMENTS_BY_GROUP = {
    "综合口": ["市发展改革委", "市委办公室", "市政府办公室", "市统计局", "市审计局", "市机关事务局", "市大数据局",
            "市行政审批局"],
    "经济口": ["市财政局", "市商务局", "市工信局", "市自然资源局", "市国资委", "市金融局", "市投资促进局", "市市场监管局"],
    "农业农村口": ["市农业农村局", "市水利局", "市林业局", "市畜牧兽医局", "市供销社", "市粮食和储备局", "市乡村振兴局",
              "市气象局"],
    "社会事业口": ["市民政局", "市人社局", "市医保局", "市退役军人局", "市应急局", "市残联", "市住房公积金中心", "市地震局"],
    "城建口": ["市住建局", "市生态环境局", "市交通运输局", "市城管局", "市人防办", "市公路事业中心", "市园林绿化中心"],
    "政法口": ["市委政法委", "市公安局", "市司法局", "市信访局", "市民族宗教局", "市委国安办", "市综治中心"],
    "党群口": ["市委组织部", "市委宣传部", "市委统战部", "市直机关工委", "市总工会", "团市委", "市妇联"],
    "科教文卫口": ["市教育局", "市卫健委", "市文旅局", "市科技局", "市体育局", "市科协", "市文联"],
}
"""The sample city's departments by sector group (分口): every name once, city-wide."""
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


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "建国华明丽军伟芳敏静磊洋勇艳杰娟涛超秀霞刚平辉玲鹏红飞燕晓波宁婷斌俊峰颖海琳志强文博亮雪梅宇鑫佳慧欣怡凯晨浩然子涵思远春林秋月冬立新德胜永忠振兴学"
"""Common surnames and given-name characters of the sample city's staff."""


def person_names(count: int, seed: int) -> list[str]:
    """``count`` plausible, distinct Chinese names (a surname and one or two given-name
    characters), the same for the same seed; drawn with a generator of their own, so the
    sample's other draws are the same with or without them."""
    if count > len(SURNAMES) * len(GIVEN) ** 2 // 2:
        raise ValueError(f"too many names asked for: {count}")
    rng = random.Random(f"names-{seed}")
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
        name = rng.choice(SURNAMES) + given
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names
