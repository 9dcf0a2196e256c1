"""Cleaning of free recruiter job titles before they are coded.

Recruiters wrap the occupation in noise: place names (``抚州8k续保专员``), brackets
(``饲养员（急招）``), salary and perks (``五险一金``, ``6-9K``), recruiting verbs (``急招``,
``XX公司招聘缝纫工``) and several titles glued by ``/`` or ``，``. The coder only needs the
occupation phrase, so we remove that noise with general rules and keep the meaningful English
tokens (Java, CNC, PLC, UI) that carry occupational content.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache

from data import taxonomy

__all__ = ["PlaceNames", "clean_title", "place_names_from_taxonomy", "split_segments"]

# Provinces and large cities outside Guangdong: postings are scraped nationwide, so a title's
# place prefix is often not one of our 21 cities. General knowledge, not tuned on test cases.
_NATIONAL_PLACES: list[str] = (
    "北京 天津 上海 重庆 河北 山西 内蒙古 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 "
    "湖北 湖南 广东 广西 海南 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 香港 澳门 台湾 "
    "石家庄 太原 呼和浩特 沈阳 大连 长春 哈尔滨 南京 苏州 无锡 常州 南通 徐州 杭州 宁波 温州 "
    "绍兴 嘉兴 金华 台州 合肥 芜湖 福州 厦门 泉州 漳州 南昌 赣州 抚州 济南 青岛 烟台 潍坊 临沂 "
    "郑州 洛阳 许昌 武汉 宜昌 襄阳 长沙 株洲 岳阳 南宁 柳州 桂林 海口 三亚 成都 绵阳 贵阳 遵义 "
    "昆明 拉萨 西安 汉中 兰州 西宁 银川 乌鲁木齐 保定 唐山 廊坊 昆山 义乌 全国 异地 外地 本地"
).split()

# Perks, contract terms and recruiting phrases that never name an occupation.
_NOISE_PHRASES: list[str] = (
    "五险一金 六险一金 五险二金 五险 六险 社保 包吃包住 包吃住 包住宿 包住 包吃 提供住宿 员工餐 "
    "周末双休 双休 单休 大小周 不加班 带薪培训 带薪 无责底薪 无责任 底薪 保底 提成 高提成 高薪 "
    "日结 周结 月结 长白班 白班 夜班 两班倒 急招 急聘 诚聘 直招 招募 中介勿扰 年终奖 "
    "可兼职 全职 兼职 实习生 应届生 应届 不限经验 经验不限 零基础 无经验 包培训 可小白 在家 "
    "线上 居家 远程 上班时间 地点自由 时间自由 轻松 稳定 待遇优厚 待遇好 面就过 拒绝内卷 "
    "朝九晚六 朝九晚五 早九晚五 早九晚六 有经验 可新人 新人 月入过万 月薪 月入 月休 薪资"
).split()

# One alternation, longest phrase first (``五险一金`` before ``五险``): a single scan instead of
# a ``str.replace`` per phrase, which dominated the coder's run time.
_NOISE = re.compile("|".join(map(re.escape, sorted(_NOISE_PHRASES, key=len, reverse=True))))
_BRACKETS = re.compile(r"[(\[{<（〔［｛〈《「]([^)\]}>）〕］｝〉》」]*)[)\]}>）〕］｝〉》」]?")
# 【…】 highlights the job itself (``急招【人事专员】``), so only its brackets go.
_HIGHLIGHT = re.compile(r"[【】]")
# A number is pay only with a unit, a range or a "+/以上" and never glued to a Latin letter:
# 3D设计师, 5G工程师, C1司机 and 18650电池 keep their digits.
_SALARY = re.compile(
    r"(?<![a-z\d.])\d+(?:\.\d+)?\s*"
    r"(?:(?:k|w|千|万|元|块)(?![a-z\d])"
    r"|[-~至到]\s*\d+(?:\.\d+)?\s*(?:k|w|千|万|元)?(?![a-z\d])"
    r"|(?=\s*(?:\+|起|以上)))"
    r"(?:\s*(?:\+|起|以上))?(?:\s*(?:/|每)?\s*(?:月|时|小时|天|日|周|年))?"
    r"|(?<![a-z\d.])\d{4,}$"
)
# Pay per period written without a unit (``22/时``, ``300/天``, ``一天209``), headcounts
# (``招3人``, ``5名``), ages (``20-55岁``, ``28岁以下``) and job-board reference codes
# (``J19243``, ``MJ001803``, ``G00688``): removed from the whole title before it is split,
# since a range's ``-`` would otherwise split it into stray digits (``6-9K`` → ``6``).
_PER_PERIOD = re.compile(
    r"(?<![a-z\d.])\d+(?:\.\d+)?\s*(?:/|每)\s*(?:月|小时|时|天|日|周|年)"
    r"|(?:一天|每天|日薪|时薪|月薪)\s*\d+(?:\.\d+)?\s*(?:元|块)?"
    r"|(?<![a-z\d.])\d+\s*(?:元|块)?\s*(?:一天|每天)"
    r"|(?<=[a-z])\d{3,}\s*元\+?"
    r"|月休\s*\d+\s*天"
)
_HEADCOUNT_AGE = re.compile(
    r"(?<![a-z\d.])\d+\s*(?:名|位|个人|人)(?![员工])(?:以上|以下|以内)?"
    r"|(?<![a-z\d.])\d{2}\s*(?:[-~至到]\s*\d{2}\s*)?周?岁(?:以下|以上|以内)?"
)
_JOB_CODE = re.compile(r"(?<![a-z])[a-z]{1,3}\d{4,}(?!\d)")
_SEPARATORS = re.compile(r"[/／|｜,，、;；:：+＋\s\-—–~·•!！?？。.]+")
_COMPANY = re.compile(r"^.{2,}?(?:有限公司|公司|集团|工作室)")
# 招生/招标/招商 are occupations' words and 招聘专员 is the recruiter's own job, not a verb.
_RECRUITING_VERB = re.compile(
    r"(?:招聘|诚聘|急聘|急招|直招|高薪招|招(?![生标商投聘]))"
    r"(?!(?:专员|主管|经理|助理|顾问|负责人|官|hr|培训))(?=.{2,})"
)
_LATIN_TOKEN = re.compile(r"[a-z][a-z+#.]*")
# Latin tokens that carry no occupation (job codes, filler); meaningful ones like java stay.
_LATIN_NOISE = frozenset({"k", "w", "mj", "j", "top", "hot", "new", "vip", "ok", "a", "b", "c"})


class PlaceNames:
    """Place names to strip: cities anywhere in a title, districts only at its start.

    Parameters
    ----------
    anywhere : iterable of str
        Names removed wherever they occur (cities, provinces): long and specific enough.
    leading : iterable of str
        Names removed only at the start of a segment (district short names such as ``南海``
        are also ordinary words, so we only trust them in the usual prefix position).
    """

    def __init__(self, anywhere: Iterable[str], leading: Iterable[str]) -> None:
        self.anywhere = tuple(sorted(set(anywhere), key=len, reverse=True))
        self.leading = tuple(sorted(set(leading), key=len, reverse=True))
        self._anywhere_re = re.compile("|".join(map(re.escape, self.anywhere)) or "(?!)")
        self._leading_re = re.compile(
            "^(?:" + ("|".join(map(re.escape, self.leading)) or "(?!)") + ")"
        )

    def strip(self, segment: str) -> str:
        """Remove place names from one segment."""
        segment = self._anywhere_re.sub("", segment)
        return self._leading_re.sub("", segment)


@cache
def place_names_from_taxonomy() -> PlaceNames:
    """Guangdong cities and districts from ``data.taxonomy`` plus major national places."""
    cities = taxonomy.cities()
    districts = taxonomy.districts()
    anywhere = [*cities["name"], *cities["short_name"], *_NATIONAL_PLACES]
    anywhere += [f"{place}省" for place in _NATIONAL_PLACES] + [f"{p}市" for p in _NATIONAL_PLACES]
    leading = [*districts["name"]]
    leading += [name[:-1] for name in districts["name"] if len(name) >= 3]
    return PlaceNames(anywhere, leading)


def _normalise(text: str) -> str:
    """NFKC (full-width → half-width) and lower case, so rules see one spelling."""
    return unicodedata.normalize("NFKC", text).lower().strip()


def _after_recruiting_verb(text: str) -> str:
    """Keep what follows ``招聘``/``诚聘``/``急招``: what precedes it is the employer."""
    match = _RECRUITING_VERB.search(text)
    return text[match.end() :] if match else text


def _strip_segment(segment: str, places: PlaceNames) -> str:
    segment = _COMPANY.sub("", segment) if len(segment) > 8 else segment
    segment = _after_recruiting_verb(segment)
    segment = _NOISE.sub("", segment)
    segment = places.strip(segment)
    segment = _SALARY.sub("", segment)
    tokens = [t for t in _LATIN_TOKEN.findall(segment) if t in _LATIN_NOISE]
    for token in tokens:
        segment = re.sub(rf"(?<![a-z]){re.escape(token)}(?![a-z\d])", "", segment)
    return segment.strip(" _#*&")


def split_segments(title: str, places: PlaceNames | None = None) -> list[str]:
    """Clean a title and split it into its non-empty candidate occupation phrases."""
    places = places or place_names_from_taxonomy()
    text = _BRACKETS.sub(" ", _HIGHLIGHT.sub(" ", _normalise(title)))
    return _segments(text, places)


def _whole_title_noise(text: str) -> str:
    """Pay, headcounts, ages and reference codes out of the whole title; and when a
    recruiting verb follows an employer (``…烘焙店...招聘蛋糕/裱花师``), the employer."""
    text = _JOB_CODE.sub(" ", text)
    text = _HEADCOUNT_AGE.sub(" ", text)
    text = _SALARY.sub(" ", _PER_PERIOD.sub(" ", text))
    match = _RECRUITING_VERB.search(text)
    if match and match.start() >= 2:
        text = text[match.end() :]
    return text


def _segments(text: str, places: PlaceNames) -> list[str]:
    text = _whole_title_noise(text)
    segments = (_strip_segment(part, places) for part in _SEPARATORS.split(text))
    return [segment for segment in segments if len(segment) >= 1]


def _bracketed_segments(title: str, places: PlaceNames) -> list[str]:
    """Segments inside round brackets: sometimes the job itself (``朝九晚六（投资经理）``)."""
    inner = " ".join(_BRACKETS.findall(_HIGHLIGHT.sub(" ", _normalise(title))))
    return _segments(inner, places)


def clean_title(
    title: str, head_nouns: Sequence[str] = (), places: PlaceNames | None = None
) -> str:
    """Reduce a recruiter title to the occupation phrase.

    Parameters
    ----------
    title : str
        Raw job title, e.g. ``'急招普工（包吃住）'``.
    head_nouns : sequence of str
        Occupation head nouns (``工程师``, ``司机`` …). When several segments remain, the
        first one ending in a head noun is the occupation; otherwise all are kept.
    places : PlaceNames, optional
        Place names to strip (default: taxonomy cities/districts + national places).

    Returns
    -------
    str
        The cleaned phrase (possibly empty when the title was only noise).
    """
    places = places or place_names_from_taxonomy()
    segments = split_segments(title, places)
    with_head = [s for s in segments if s.endswith(tuple(head_nouns))] if head_nouns else []
    if with_head:
        return with_head[0]
    inner = [s for s in _bracketed_segments(title, places) if s.endswith(tuple(head_nouns))]
    if inner and head_nouns:
        return inner[0]
    return " ".join(segments)
