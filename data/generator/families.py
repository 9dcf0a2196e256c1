"""Occupation families: the industry mix, qualification profile and trend shared by a group
of occupations, plus the certificate catalogue.

A *family* ties occupations to GB/T 4754-2017 industries (and through them to the 双十
clusters), sets the typical education and skill level of its workers, its mean vacancy
headcount and its demand trend. Occupations (``data.generator.occupations``) inherit these
and override what differs. All figures are rough, hand-set calibration choices documented in
``data/generator/README.md``; none is an official statistic.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CERTIFICATE_EQUIVALENTS",
    "FAMILIES",
    "GBA_CERTIFICATES",
    "Family",
]


@dataclass(frozen=True)
class Family:
    """Shared profile of a group of occupations.

    Parameters
    ----------
    label
        Chinese label, used in texts.
    industries
        ``"code:weight ..."`` GB/T 4754 codes (大类 or 小类) a vacancy of the family is posted
        under; empty for cross-cutting families, which borrow the city's own industry mix.
    education
        Typical education (``data.levels.Education`` value) of a worker.
    skill_probs
        Probabilities of skill levels 0..5 (无, 初级工 … 高级技师) among workers.
    headcount
        Mean 需求人数 per vacancy (≥ 1).
    trend
        Annual log-growth of demand (0.05 ≈ +5 % a year).
    welfare
        Benefit style of the postings: ``factory``, ``office`` or ``service``.
    skills
        Generic skill phrases any occupation of the family may list.
    """

    label: str
    industries: str
    education: int
    skill_probs: tuple[float, float, float, float, float, float]
    headcount: float
    trend: float
    welfare: str
    skills: tuple[str, ...]


_WORKER = (0.45, 0.30, 0.16, 0.07, 0.02, 0.0)
_SKILLED = (0.20, 0.25, 0.30, 0.17, 0.07, 0.01)
_PROF = (0.92, 0.02, 0.02, 0.03, 0.01, 0.0)
_SERVICE = (0.70, 0.18, 0.09, 0.03, 0.0, 0.0)

FAMILIES: dict[str, Family] = {
    "elec": Family(
        "电子信息制造",
        "3982:3 3981:2 3922:3 3921:1 3976:1 3974:1 3912:1 3961:1 3984:1 3971:1",
        1,
        _WORKER,
        2.8,
        -0.01,
        "factory",
        ("5S现场管理", "静电防护", "SOP作业"),
    ),
    "semi": Family(
        "半导体与集成电路",
        "3973:3 3972:2 3562:1 6520:2 3985:1",
        2,
        _SKILLED,
        1.8,
        0.12,
        "factory",
        ("洁净室规范", "良率分析", "SPC统计过程控制"),
    ),
    "software": Family(
        "软件与信息服务",
        "6513:4 6511:1 6531:2 6540:1 6450:1 6429:1 6432:2 6572:1",
        3,
        _PROF,
        1.3,
        0.05,
        "office",
        ("Git", "Linux", "敏捷开发"),
    ),
    "auto": Family(
        "汽车制造",
        "3612:3 3670:4 3611:2 3660:1",
        1,
        _SKILLED,
        2.4,
        0.03,
        "factory",
        ("IATF16949", "精益生产", "装配工艺"),
    ),
    "new_energy": Family(
        "新能源",
        "3841:4 3825:2 4416:1 4415:1 3849:1 3824:1",
        1,
        _SKILLED,
        2.4,
        0.15,
        "factory",
        ("锂电池工艺", "储能系统", "安全生产"),
    ),
    "appliance": Family(
        "智能家电",
        "3852:3 3854:2 3851:1 3855:1 3859:1 3874:1 3872:1",
        1,
        _WORKER,
        2.7,
        0.0,
        "factory",
        ("流水线作业", "装配工艺", "品质意识"),
    ),
    "petrochem": Family(
        "绿色石化",
        "2511:3 2614:2 2651:2 2641:1 2682:1 2912:1 2929:2",
        1,
        _SKILLED,
        1.8,
        0.02,
        "factory",
        ("HSE管理", "DCS操作", "危化品安全"),
    ),
    "materials": Family(
        "先进材料",
        "3130:1 3216:1 3360:2 3311:2 3391:1 3392:1 3071:2 3399:2 3024:1",
        0,
        _SKILLED,
        2.2,
        -0.01,
        "factory",
        ("安全生产", "设备点检", "质量控制"),
    ),
    "textile": Family(
        "现代轻工纺织",
        "1819:2 1821:1 1830:1 1922:1 1951:1 2110:2 2452:2 2438:1 2927:1 1761:1",
        0,
        _WORKER,
        2.9,
        -0.05,
        "factory",
        ("计件", "流水线作业", "品质意识"),
    ),
    "equipment": Family(
        "高端装备制造",
        "3484:3 3421:1 3525:2 3491:1 3435:1 3464:1 3444:1 3493:1 3581:1",
        1,
        _SKILLED,
        1.9,
        0.03,
        "factory",
        ("机械识图", "精益生产", "设备维护"),
    ),
    "biomed": Family(
        "生物医药与健康",
        "2720:3 2740:2 2761:1 3581:1 3584:1 2770:1",
        2,
        _SKILLED,
        1.6,
        0.06,
        "factory",
        ("GMP规范", "实验记录", "质量体系"),
    ),
    "agri_food": Family(
        "现代农业与食品",
        "0154:2 0141:2 0411:1 0412:1 1352:1 1361:1 1411:1 1432:1 1462:1 0153:1",
        0,
        _WORKER,
        2.2,
        0.01,
        "factory",
        ("食品安全", "吃苦耐劳", "冷链"),
    ),
    "logistics": Family(
        "现代物流",
        "6020:4 5437:2 5920:2 5431:2 5910:1 5930:1",
        0,
        _SERVICE,
        2.2,
        0.04,
        "service",
        ("吃苦耐劳", "熟悉路线", "手持终端"),
    ),
    "transport": Family(
        "交通运输",
        "5411:3 5431:3 5413:1 5421:1 5412:1",
        1,
        _SERVICE,
        1.7,
        0.01,
        "service",
        ("安全驾驶", "熟悉路线", "车辆保养"),
    ),
    "retail": Family(
        "批发零售",
        "5212:3 5211:2 5213:2 5292:2 5232:1 5274:1 5261:1 5193:1",
        1,
        _SERVICE,
        1.6,
        -0.01,
        "service",
        ("客户服务", "沟通能力", "商品陈列"),
    ),
    "hospitality": Family(
        "住宿餐饮",
        "6210:4 6220:3 6110:2 6121:1 6291:1 6232:1",
        0,
        _SERVICE,
        2.0,
        0.02,
        "service",
        ("服务意识", "食品安全", "团队协作"),
    ),
    "household": Family(
        "居民与养老服务",
        "8010:3 8514:2 8512:2 8040:2 8053:1 8020:1",
        0,
        _SERVICE,
        1.6,
        0.08,
        "service",
        ("耐心细致", "服务意识", "沟通能力"),
    ),
    "health": Family(
        "医疗卫生",
        "8411:4 8415:2 8412:1 8421:1 8425:1 8491:1",
        2,
        _PROF,
        1.6,
        0.04,
        "office",
        ("无菌操作", "医患沟通", "病历书写"),
    ),
    "education": Family(
        "教育培训",
        "8310:2 8321:2 8331:1 8334:1 8336:1 8391:2 8393:1 8341:1",
        3,
        _PROF,
        1.3,
        -0.02,
        "office",
        ("课堂管理", "教学设计", "普通话二甲"),
    ),
    "business": Family(
        "金融与商务服务",
        "6621:2 6712:1 6811:1 6820:1 7241:2 7212:1 7262:1 7263:1 7243:1",
        3,
        _PROF,
        1.2,
        0.0,
        "office",
        ("Office办公软件", "沟通能力", "数据分析"),
    ),
    "construction": Family(
        "建筑工程",
        "4710:1 4720:1 4811:1 48:1 4910:1 4999:1 5011:1",
        0,
        _SKILLED,
        2.2,
        -0.03,
        "factory",
        ("识图", "安全施工", "吃苦耐劳"),
    ),
    "realestate": Family(
        "房地产与物业",
        "7020:3 7030:2 7010:1 7271:1",
        1,
        _SERVICE,
        1.6,
        -0.04,
        "service",
        ("客户服务", "沟通能力", "物业管理"),
    ),
    "utility": Family(
        "电力水务与环保",
        "4420:3 4411:1 4610:1 4620:1 7820:2 7840:1",
        1,
        _SKILLED,
        1.5,
        0.02,
        "factory",
        ("安全规程", "巡检", "设备维护"),
    ),
    "tourism": Family(
        "文旅与体育",
        "7291:2 6110:1 8810:1 9020:1 7861:1 8921:1",
        1,
        _SERVICE,
        1.4,
        0.03,
        "service",
        ("服务意识", "普通话", "沟通能力"),
    ),
    "general_mfg": Family(
        "通用制造工种",
        "",
        1,
        _SKILLED,
        1.8,
        0.0,
        "factory",
        ("安全生产", "5S现场管理", "识图"),
    ),
    "office": Family(
        "通用职能",
        "",
        3,
        _PROF,
        1.1,
        -0.01,
        "office",
        ("Office办公软件", "沟通能力", "公文写作"),
    ),
}

# Cross-border recognition under the GBA "一试三证" pilots: a mainland certificate and its
# Hong Kong / Macao counterpart satisfy the same requirement.
CERTIFICATE_EQUIVALENTS: dict[str, str] = {
    "香港电工牌照": "特种作业操作证（低压电工）",
    "香港注册护士证书": "护士执业证书",
    "香港会计师公会执业证书": "注册会计师（CPA）",
    "澳门导游证": "导游证",
    "香港建造业工人注册证": "建筑施工特种作业操作资格证",
}
GBA_CERTIFICATES: dict[str, str] = {v: k for k, v in CERTIFICATE_EQUIVALENTS.items()}
