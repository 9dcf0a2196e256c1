"""Fake but well-formed personal data: names, phone numbers, 居民身份证 numbers, and the
protected attributes (gender, birth year, ethnicity, marital status, 户籍).

Everything here is drawn from its own random stream and from nothing a matcher sees, so the
protected attributes are independent of the hidden match utility by construction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data import taxonomy

__all__ = ["ID_WEIGHTS", "id_check_digit", "make_contacts", "make_protected"]

# Frequent surnames, weighted towards Guangdong's own ranking (陈, 李, 黄, 张, 梁, 林 …).
_SURNAMES = "陈李黄张梁林刘吴罗杨郑谢何许曾周王邓冯朱赖钟蔡彭叶苏潘卢庄余胡郭卓洪姚肖莫欧阳"
_SURNAME_LIST = [*_SURNAMES[:-2], "欧阳"]
_MALE_CHARS = "伟强军杰俊浩宇明辉勇志鹏斌超涛峰磊健文华建国家荣锦泽凯铭"
_FEMALE_CHARS = "丽芳敏静婷燕娟霞玲秀慧琳雪颖欣怡佳梅兰晓嘉倩洁淑婉诗"
_NEUTRAL_CHARS = "子思嘉文晓雨佳一诗海春秋安宁"
_PHONE_PREFIXES = np.array(
    [
        130,
        131,
        132,
        133,
        134,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        155,
        157,
        158,
        159,
        166,
        175,
        176,
        177,
        178,
        180,
        181,
        182,
        183,
        185,
        186,
        187,
        188,
        189,
        191,
        198,
        199,
    ]
)
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CHECK_CHARS = np.array(list("10X98765432"))
# Approximate shares among Guangdong residents (2020 census: 汉族 ≈ 97 %; 壮/瑶/土家/苗 …).
_ETHNICITIES = {
    "汉族": 0.970,
    "壮族": 0.009,
    "瑶族": 0.004,
    "土家族": 0.004,
    "苗族": 0.003,
    "侗族": 0.002,
    "畲族": 0.001,
    "回族": 0.002,
    "布依族": 0.002,
    "彝族": 0.001,
    "满族": 0.001,
    "黎族": 0.001,
}
_MARITAL = {"未婚": 0.42, "已婚": 0.52, "离异": 0.05, "丧偶": 0.01}
# Out-of-province 户籍 (major sending areas of Guangdong's migrant workers): county codes.
_OUTSIDE_COUNTIES = (
    "430102",
    "430421",
    "430582",
    "431002",
    "450102",
    "450802",
    "450302",
    "360702",
    "510104",
    "511302",
    "411502",
    "421102",
    "350102",
    "520102",
)


def id_check_digit(first17: np.ndarray) -> np.ndarray:
    """GB 11643-1999 check characters for an ``(n, 17)`` array of digits."""
    check: np.ndarray = _CHECK_CHARS[(first17 @ ID_WEIGHTS) % 11]
    return check


def _names(genders: np.ndarray, rng: np.random.Generator) -> list[str]:
    n = len(genders)
    surnames = np.array(_SURNAME_LIST)[rng.integers(0, len(_SURNAME_LIST), n)]
    pools = {"male": _MALE_CHARS, "female": _FEMALE_CHARS, "other": _NEUTRAL_CHARS}
    two = rng.random(n) < 0.75
    first = rng.random(n)
    second = rng.random(n)
    names = []
    for i in range(n):
        pool = pools[genders[i]]
        given = pool[int(first[i] * len(pool))]
        if two[i]:
            given += (
                _NEUTRAL_CHARS[int(second[i] * len(_NEUTRAL_CHARS))]
                if second[i] < 0.3
                else pool[int(second[i] * len(pool))]
            )
        names.append(surnames[i] + given)
    return names


def make_protected(
    registered_year: np.ndarray, city_codes: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Protected attributes: gender, birth year, ethnicity, marital status, 户籍 city.

    ``birth_year`` depends only on the registration year (ages 16–60, peaking in the late
    twenties) and ``hukou_city_code`` on the city of residence (local 户籍 more common in
    粤东西北); neither depends on any match feature.
    """
    n = len(city_codes)
    gender = rng.choice(np.array(["male", "female", "other"]), n, p=[0.535, 0.4635, 0.0015])
    age = np.clip(np.round(rng.gamma(6.0, 1.6, n) + 19), 16, 60).astype(int)
    birth_year = registered_year - age
    ethnicity = rng.choice(np.array(list(_ETHNICITIES)), n, p=list(_ETHNICITIES.values()))
    marital = rng.choice(np.array(list(_MARITAL)), n, p=list(_MARITAL.values()))
    cities = taxonomy.cities()
    core = set(cities.loc[cities["zone"] == "一核", "city_code"])
    local_p = np.where(np.isin(city_codes, list(core)), 0.35, 0.75)
    draw = rng.random(n)
    gd_codes = cities["city_code"].to_numpy()
    other_gd = gd_codes[rng.integers(0, len(gd_codes), n)]
    outside = np.array([c[:4] for c in _OUTSIDE_COUNTIES])[
        rng.integers(0, len(_OUTSIDE_COUNTIES), n)
    ]
    hukou = np.where(draw < local_p, city_codes, np.where(draw < local_p + 0.25, other_gd, outside))
    return pd.DataFrame(
        {
            "gender": gender,
            "birth_year": birth_year,
            "ethnicity": ethnicity,
            "marital_status": marital,
            "hukou_city_code": hukou,
        }
    )


def _area_codes(hukou: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A real county code inside each 户籍 city (ID numbers start with the 户籍 county)."""
    districts = taxonomy.districts()
    by_city = districts.groupby("city_code")["district_code"].agg(list).to_dict()
    outside = {c[:4]: c for c in _OUTSIDE_COUNTIES}
    draws = rng.random(len(hukou))
    codes = []
    for city, u in zip(hukou, draws, strict=True):
        options = by_city.get(city) or [outside.get(city, city + "02")]
        codes.append(options[int(u * len(options))])
    return np.array(codes)


def make_contacts(
    protected: pd.DataFrame, candidate_ids: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Name, mobile number (``^1[3-9]\\d{9}$``), 18-digit ID number with a valid GB 11643
    check character and the 户籍 county as area code, and an ``example.com`` e-mail."""
    n = len(protected)
    genders = protected["gender"].to_numpy()
    phones = [
        f"{p}{s:08d}"
        for p, s in zip(
            _PHONE_PREFIXES[rng.integers(0, len(_PHONE_PREFIXES), n)],
            rng.integers(0, 100_000_000, n),
            strict=True,
        )
    ]
    area = _area_codes(protected["hukou_city_code"].to_numpy(), rng)
    birth = pd.to_datetime(protected["birth_year"].astype(str) + "-01-01") + pd.to_timedelta(
        rng.integers(0, 365, n), unit="D"
    )
    sequence = rng.integers(0, 500, n) * 2 + np.where(genders == "male", 1, 0)
    sequence = np.where(genders == "other", rng.integers(0, 1000, n), sequence)
    body = [
        f"{a}{b}{s:03d}"
        for a, b, s in zip(area, birth.dt.strftime("%Y%m%d"), sequence, strict=True)
    ]
    digits = np.array([list(map(int, text)) for text in body])
    check = id_check_digit(digits)
    has_email = rng.random(n) < 0.6
    email = [
        f"{cid.lower()}@example.com" if keep else None
        for cid, keep in zip(candidate_ids.astype(str), has_email, strict=True)
    ]
    return pd.DataFrame(
        {
            "name": _names(genders, rng),
            "phone": phones,
            "id_number": [b + c for b, c in zip(body, check, strict=True)],
            "email": email,
        }
    )
