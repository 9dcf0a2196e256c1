"""Discriminatory hiring requirements (就业促进法, 妇女权益保障法) and protected phrases.

Two uses, one lexicon:

* :func:`discriminatory_requirements` finds requirements a vacancy may not make — by gender,
  ethnicity, marital or childbearing status, 户籍, or an age ceiling (a minimum of 16 or 18,
  the legal working ages, is justified and not reported). **Policy: such a vacancy is
  refused** — the API answers 422 naming the field and the phrase, an import reports the row
  with the same reason (``data.ingest.checks``), and refusals are counted per category
  (``yuecai_discriminatory_vacancies_total`` in ``/metrics``; per import in its row report).
* :func:`strip_protected` removes protected phrases (gender words, ages and birth years,
  ethnicities, marital/childbearing words, 户籍/户口 phrases) from any text before it becomes
  a matching feature, on both sides, so "男，25岁，汉族，已婚，深圳户籍" and
  "女，48岁，壮族，离异，广西户籍" in otherwise identical resumes score identically.

>>> [f.phrase for f in discriminatory_requirements("电工（限男性），35岁以下，本地户籍")]
['限男性', '35岁以下', '本地户籍']
>>> discriminatory_requirements("男女不限，年满18周岁，户籍不限")
[]
>>> discriminatory_requirements("连南瑶族自治县，孕期保健，缴纳生育保险")
[]
>>> [f.phrase for f in discriminatory_requirements("不招孕妇，离异者勿扰，汉族")]
['不招孕妇', '离异', '汉族']
>>> strip_protected("男，25岁，汉族，已婚，深圳户籍，电工")
'，，，，，电工'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CATEGORY_LABELS",
    "Category",
    "Finding",
    "discriminatory_requirements",
    "strip_protected",
]

Category = Literal["gender", "ethnicity", "marital", "hukou", "age"]
CATEGORY_LABELS: dict[Category, str] = {
    "gender": "性别",
    "ethnicity": "民族",
    "marital": "婚育状况",
    "hukou": "户籍",
    "age": "年龄",
}

ETHNICITIES = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 "
    "怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_ETHNIC = "|".join(sorted((f"{name}族" for name in ETHNICITIES), key=len, reverse=True))
_MARITAL = (
    r"已婚已育|未婚未育|已婚|未婚|已育|未育|婚育|离异|离婚|丧偶|单身|怀孕|孕妇|孕期|生育|备孕"
)
# As a requirement, a status word alone ("已婚", "未育") is one; the words that also name
# care work, insurance or counselling topics ("孕期保健", "生育保险", "离婚咨询", "单身公寓")
# count only with a requirement around them ("不招孕妇", "近期无生育计划", "离异者勿扰").
_MARITAL_STATUS = r"已婚已育|未婚未育|已婚|未婚|已育|未育|离异|丧偶"
_MARITAL_TOPIC = r"怀孕|孕妇|孕期|生育计划|生育|备孕|二胎|婚育|离婚|单身"
_MARITAL_REQUIREMENT = (
    rf"(?:仅限|只限|只招|限|不招|不要|谢绝|拒绝|暂无|近期无|无)\s*(?:{_MARITAL_TOPIC})"
    rf"|(?:{_MARITAL_TOPIC})[^，。；,;\n]{{0,4}}?(?:者勿扰|勿扰|免谈|不招|除外|不予|者优先|优先)"
    rf"|{_MARITAL_STATUS}"
)
# Place names are not requirements either: 连山壮族瑶族自治县, 乳源瑶族自治县 (districts.csv)
# are blanked with the "不限" phrases before the search (_NOT_A_REQUIREMENT).
_HUKOU = r"(?:本地|本市|本省|外地|[\u4e00-\u9fff]{2})?(?:户籍|户口)"

_AGE = r"\d{1,2}\s*(?:周岁|岁)"
# Who a job serves or what it practises, not whom it hires: "18岁以下儿童患者", "3岁以下婴幼儿",
# "少数民族医医师", "朝鲜族风味".
_SERVED_GROUP = r"的?(?:儿童|婴幼儿|婴儿|幼儿|少儿|青少年|未成年|学生|患者|病人|人群|老人|老年)"
_ETHNIC_SUBJECT = r"医|药|语|文字|文化|地区|聚居|传统|特色|风味|歌舞|服饰|工艺|史|预科"
_REQUIREMENTS: tuple[tuple[Category, re.Pattern[str]], ...] = (
    ("gender", re.compile(r"(?<!不)(?:仅限|只限|只招|限|要求)\s*[男女](?:性|士|生)?")),
    ("gender", re.compile(r"[男女](?:性|士|生)?(?:者)?优先")),
    ("gender", re.compile(r"性别\s*[:：]?\s*[男女](?!女|男|不限)")),
    (
        "ethnicity",
        re.compile(rf"(?:少数民族|{_ETHNIC})(?!{_ETHNIC_SUBJECT})(?:优先|除外|勿扰|以外)?"),
    ),
    ("marital", re.compile(_MARITAL_REQUIREMENT)),
    ("hukou", re.compile(_HUKOU)),
    (
        "age",
        re.compile(r"年龄\s*[:：]?\s*\d{1,2}\s*(?:周岁|岁)?\s*[-~—至到]\s*\d{1,2}\s*(?:周岁|岁)?"),
    ),
    ("age", re.compile(rf"\d{{1,2}}\s*(?:周岁|岁)\s*(?:以下|以内|之内|之下)(?!{_SERVED_GROUP})")),
    ("age", re.compile(r"(?:不超过|不大于|不高于|低于|小于)\s*\d{1,2}\s*(?:周岁|岁)")),
    ("age", re.compile(r"(?:(?:19|20)\d{2}\s*年?)\s*(?:以后|之后)\s*出生")),
    ("age", re.compile(r"(?:1[9]|[2-9]\d)\s*(?:周岁|岁)\s*以上")),  # a floor above 18
)
_NOT_A_REQUIREMENT = re.compile(
    rf"户籍不限|不限户籍|户口不限|不限户口|婚育不限|民族不限|不限民族|(?:{_ETHNIC})+自治[县州乡区旗]"
)

_PROTECTED = re.compile(
    "|".join(
        [
            r"(?:19|20)\d{2}\s*年\s*(?:\d{1,2}\s*月\s*)?(?:出生|生)",
            r"\d{1,3}\s*(?:周岁|岁)",
            r"年龄\s*[:：]?\s*\d{1,3}",
            rf"少数民族|{_ETHNIC}",
            _MARITAL,
            _HUKOU,
            r"[男女]",
        ]
    )
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One discriminatory requirement found in a text: its category and the exact phrase."""

    category: Category
    phrase: str

    @property
    def reason(self) -> str:
        """The refusal reason, in Chinese, naming the phrase."""
        label = CATEGORY_LABELS[self.category]
        return f"含{label}限制「{self.phrase}」：就业促进法禁止以{label}设定招聘条件"


def discriminatory_requirements(text: str) -> list[Finding]:
    """Every discriminatory requirement in ``text``, in order of appearance (deduplicated)."""
    cleaned = _NOT_A_REQUIREMENT.sub(" ", text)
    found: list[tuple[int, Finding]] = []
    taken: list[tuple[int, int]] = []
    for category, pattern in _REQUIREMENTS:
        for match in pattern.finditer(cleaned):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            taken.append(span)
            found.append((span[0], Finding(category, match.group(0).strip())))
    return list(dict.fromkeys(finding for _, finding in sorted(found, key=lambda f: f[0])))


def strip_protected(text: str) -> str:
    """``text`` without protected phrases (for text features only; never stored)."""
    return _PROTECTED.sub("", text)
