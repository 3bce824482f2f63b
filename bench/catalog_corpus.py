# ruff: noqa: E501  (vocabulary tables, SQL and report lines read better unwrapped)
"""A generator of realistic Chinese and English catalog metadata for search benchmarks.

Deterministic for a seed: titles built the way library titles are (topic + place/period +
form: 浙江地方文献研究, A History of Rural Libraries in China), Chinese and Western names,
subject headings, publishers, years, ISBNs, types, languages and collections in the
proportions of a public library network (about 70% Chinese, 30% English).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

ZH_TOPICS = ("图书馆", "古籍", "地方文献", "数字资源", "阅读推广", "非物质文化遗产", "书法", "诗词",
             "唐诗", "宋词", "历史", "经济", "文化", "教育", "农业", "中医", "戏曲", "民俗", "建筑",
             "科技", "哲学", "儒家思想", "丝绸之路", "长江", "黄河", "茶文化", "瓷器", "地理", "法律",
             "计算机", "人工智能", "网络安全", "环境保护", "乡村振兴", "城市规划", "少儿科普")  # fmt: skip
ZH_PLACES = ("中国", "浙江", "绍兴", "杭州", "甘肃", "兰州", "敦煌", "江南", "西北", "岭南", "北京",
             "上海", "四川", "云南", "西藏", "新疆", "山东", "湖南", "福建", "台湾", "香港")  # fmt: skip
ZH_PERIODS = ("古代", "近代", "当代", "明清", "唐宋", "民国", "二十世纪", "新时代")
ZH_FORMS = ("研究", "概论", "史", "导论", "文集", "选编", "通论", "图录", "年鉴", "手册", "丛书",
            "讲座", "读本", "辞典", "资料汇编", "发展报告")  # fmt: skip
ZH_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
ZH_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬辉鹏建国志文思远晓东海波宁"
EN_TOPICS = ("Libraries", "Digital Libraries", "Reading", "Metadata", "Cataloging", "Chinese Poetry",
             "Confucianism", "Rural Development", "Public Health", "Education", "Information Retrieval",
             "Archives", "Cultural Heritage", "Children's Literature", "Economics", "Urban Planning",
             "Climate Change", "Artificial Intelligence", "Calligraphy", "Tea", "The Silk Road",
             "Traditional Medicine", "Opera", "Photography")  # fmt: skip
EN_PLACES = ("China", "Zhejiang", "Gansu", "Asia", "the Yangtze Delta", "Rural Communities",
             "the Twentieth Century", "the Digital Age", "Modern Society")  # fmt: skip
EN_FORMS = ("A History of {t} in {p}", "{t} in {p}", "Introduction to {t}", "{t}: A Handbook",
            "Studies in {t}", "{t} and {u}", "Understanding {t}", "The Future of {t}",
            "Essays on {t} and {u}", "{t} for Beginners")  # fmt: skip
EN_FIRST = ("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David",
            "Susan", "Wei", "Li", "Ming", "Hui", "Anna", "Peter", "Sarah", "Thomas", "Laura")  # fmt: skip
EN_LAST = ("Smith", "Johnson", "Brown", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Moore",
           "Zhang", "Wang", "Chen", "Liu", "Harris", "Clark", "Lewis", "Walker", "Young", "King")  # fmt: skip
ZH_PUBLISHERS = ("国家图书馆出版社", "中华书局", "商务印书馆", "浙江古籍出版社", "甘肃人民出版社",
                 "人民文学出版社", "科学出版社", "上海古籍出版社")  # fmt: skip
EN_PUBLISHERS = ("Oxford University Press", "Routledge", "Springer", "ALA Editions", "MIT Press")
TYPES = (("book", 60), ("ebook", 15), ("journal", 8), ("video", 6), ("audio", 4), ("image", 4),
         ("newspaper", 3))  # fmt: skip
ZH_COLLECTIONS = ("地方文献", "古籍善本", "少儿馆藏", "数字资源", "公开课", "")
EN_COLLECTIONS = ("Western Books", "E-resources", "")
ZH_SENTENCES = ("本书系统介绍了{t}的发展历程。", "收录{p}地区{t}相关资料。", "作者结合多年实践，探讨{t}的理论与方法。",
                "适合图书馆员和研究者阅读。", "书中配有大量图片和表格。", "本讲座介绍{p}{t}的基本知识。")  # fmt: skip
EN_SENTENCES = ("This book surveys {t} in {p}.", "A practical guide for librarians and readers.",
                "Includes case studies, illustrations and an index.",
                "The author examines how {t} changed over the last century.")  # fmt: skip


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _isbn(rng: random.Random) -> str:
    core = "9787" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(core))
    return core + str((10 - total % 10) % 10)


def _zh(rng: random.Random) -> dict:
    topic, place = rng.choice(ZH_TOPICS), rng.choice(ZH_PLACES)
    parts = [
        place,
        rng.choice(ZH_PERIODS) if rng.random() < 0.4 else "",
        topic,
        rng.choice(ZH_FORMS),
    ]
    authors = ["".join([rng.choice(ZH_SURNAMES), *rng.sample(ZH_GIVEN, rng.randint(1, 2))])
               for _ in range(rng.randint(1, 3))]  # fmt: skip
    text = "".join(
        rng.choice(ZH_SENTENCES).format(t=topic, p=place) for _ in range(rng.randint(1, 3))
    )
    return {"title": "".join(parts), "creators": authors, "subjects": [topic, place],
            "description": text, "publisher": rng.choice(ZH_PUBLISHERS), "language": "zh",
            "collection": rng.choice(ZH_COLLECTIONS)}  # fmt: skip


def _en(rng: random.Random) -> dict:
    topic, other, place = rng.choice(EN_TOPICS), rng.choice(EN_TOPICS), rng.choice(EN_PLACES)
    title = rng.choice(EN_FORMS).format(t=topic, u=other, p=place)
    authors = [f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}" for _ in range(rng.randint(1, 2))]
    text = " ".join(rng.choice(EN_SENTENCES).format(t=topic.lower(), p=place) for _ in range(2))
    return {"title": title, "creators": authors, "subjects": [topic, place], "description": text,
            "publisher": rng.choice(EN_PUBLISHERS), "language": "en",
            "collection": rng.choice(EN_COLLECTIONS)}  # fmt: skip


def generate(count: int, seed: int = 6) -> Iterator[dict]:
    """``count`` records of core fields, the same ones for the same seed."""
    rng = random.Random(seed)
    for n in range(count):
        fields = _zh(rng) if rng.random() < 0.7 else _en(rng)
        year = rng.randint(1950, 2024)
        fields.update(
            local_id=f"g{n}", date=str(year), year=year, type=_weighted(rng, TYPES),
            isbn=_isbn(rng) if rng.random() < 0.5 else "",
            access_policy="public" if rng.random() < 0.9 else rng.choice(["registered", "library", "staff"]),
        )  # fmt: skip
        yield fields
