"""Certificate names and their mutual recognition (一试三证 and 港澳执业资格互认).

Under the Greater Bay Area's 一试三证 scheme one assessment yields a mainland 职业技能等级证书
plus the Hong Kong and Macau counterparts, and Guangdong recognises several HK/Macau
practising licences for work on the mainland side. A vacancy that requires a certificate is
therefore satisfied by any certificate in the same *recognition group*. The table below is
deliberately small and explicit: each row is (group, certificate name, issuing region); a
name that is in no group only matches itself. Names are compared in a normal form
(:func:`normalise_certificate`: width, traditional script, brackets, spacing, case), so
``特种作业操作证(低压电工)`` and ``香港電工牌照`` are the names in the table.

Examples
--------
>>> certificate_group("香港电工牌照") == certificate_group("低压电工作业证")
True
>>> satisfies_certificates(["澳门电工执照"], ["电工证"])
True
>>> satisfies_certificates(["焊工证"], ["电工证"])
False
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

__all__ = [
    "CERTIFICATE_EQUIVALENCES",
    "certificate_group",
    "normalise_certificate",
    "satisfies_certificates",
]

# (group key, certificate name, region). Sources: 粤港澳大湾区"一试三证"试点工种 (电工、
# 焊工、中式烹调师、西式面点师、美容师、美发师、汽车维修工) and the HK/Macau licences named in
# Guangdong's 港澳专业人士执业资格认可 lists (护士、社工、导游、建筑/工程类).
CERTIFICATE_EQUIVALENCES: tuple[tuple[str, str, str], ...] = (
    ("electrician", "电工证", "内地"),
    ("electrician", "特种作业操作证（低压电工）", "内地"),
    ("electrician", "低压电工作业证", "内地"),
    ("electrician", "电工职业技能等级证书", "内地"),
    ("electrician", "香港电工牌照", "香港"),
    ("electrician", "香港注册电业工程人员", "香港"),
    ("electrician", "澳门电工执照", "澳门"),
    ("welder", "焊工证", "内地"),
    ("welder", "熔化焊接与热切割作业证", "内地"),
    ("welder", "香港焊工证", "香港"),
    ("welder", "澳门焊工证", "澳门"),
    ("chinese_cook", "中式烹调师证", "内地"),
    ("chinese_cook", "香港中式烹调资历证书", "香港"),
    ("chinese_cook", "澳门中式烹调师证", "澳门"),
    ("western_pastry", "西式面点师证", "内地"),
    ("western_pastry", "香港西式包饼资历证书", "香港"),
    ("western_pastry", "澳门西式面点师证", "澳门"),
    ("beautician", "美容师证", "内地"),
    ("beautician", "香港美容师资历证书", "香港"),
    ("beautician", "澳门美容师证", "澳门"),
    ("hairdresser", "美发师证", "内地"),
    ("hairdresser", "香港美发师资历证书", "香港"),
    ("hairdresser", "澳门美发师证", "澳门"),
    ("auto_mechanic", "汽车维修工证", "内地"),
    ("auto_mechanic", "香港汽车维修技工证书", "香港"),
    ("auto_mechanic", "澳门汽车维修技工证", "澳门"),
    ("nurse", "护士执业证书", "内地"),
    ("nurse", "香港注册护士", "香港"),
    ("nurse", "香港注册护士证书", "香港"),
    ("nurse", "澳门护士执照", "澳门"),
    ("social_worker", "社会工作者职业资格证书", "内地"),
    ("social_worker", "香港注册社工", "香港"),
    ("social_worker", "澳门社工执照", "澳门"),
    ("tour_guide", "导游证", "内地"),
    ("tour_guide", "香港导游证", "香港"),
    ("tour_guide", "澳门导游证", "澳门"),
    ("accountant", "注册会计师（CPA）", "内地"),
    ("accountant", "香港会计师公会执业证书", "香港"),
    ("construction_worker", "建筑施工特种作业操作资格证", "内地"),
    ("construction_worker", "香港建造业工人注册证", "香港"),
)

# Traditional → simplified for the characters of certificate names and issuers (HK/Macau
# licences are written in traditional script). Deliberately a short, reviewed table, not a
# general converter: each pair is one character, so no word-level ambiguity (a 繁 form with
# two 简 readings, like 乾/干, is left out).
_TRADITIONAL_PAIRS = (
    "電电 師师 執执 證证 書书 門门 業业 員员 護护 會会 計计 導导 遊游 築筑 廚厨 調调 麵面 "
    "點点 髮发 維维 車车 術术 資资 歷历 級级 註注 冊册 燒烧 藥药 醫医 駕驾 駛驶 險险 氣气 "
    "機机 設设 備备 職职 專专 裝装 鉗钳 鍋锅 爐炉 壓压 臺台 實实 驗验 測测 試试 營营 養养 "
    "廣广 東东 華华 國国 際际 學学 稱称 總总 錄录 線线 網网 絡络 處处 經经 濟济 與与 關关 "
    "係系 體体 認认 許许 貨货 運运 輸输 監监 檢检 環环 衛卫 製制 鐵铁 銲焊 鋼钢 構构 錶表 "
    "層层 樓楼 橋桥 鑽钻 鏟铲 齒齿 廠厂 礦矿 勞劳 動动 權权 務务 傳传 統统 類类 "
    "項项 種种 樣样 條条 規规 範范 準准 則则 審审 評评 優优 寫写 讀读 譯译 語语 "
    "灣湾 區区 質质 礎础 結结 厲厉 儀仪 閘闸 變变 頻频 熱热 災灾 藝艺 飲饮 "
    "麗丽 髪发 顧顾 問问 紀纪 劃划 腦脑 軟软 鋁铝 銅铜 鍍镀 塗涂 噴喷 漿浆 礙碍"
)
_TO_SIMPLIFIED: dict[int, str] = {ord(pair[0]): pair[1] for pair in _TRADITIONAL_PAIRS.split()}
# Brackets of every width and style read as ASCII parentheses (after NFKC, （） already are).
_TO_PARENTHESES = str.maketrans(dict.fromkeys("【〔［[", "(") | dict.fromkeys("】〕］]", ")"))


def normalise_certificate(name: str) -> str:
    """The form certificate names are compared in, so cosmetic variants are one name.

    NFKC (full-width letters, digits, spaces and parentheses → half-width), traditional →
    simplified for the common characters (:data:`_TRADITIONAL_PAIRS`), every bracket style
    as ``()``, lower case, and no whitespace at all (Chinese names have no word spaces, so
    ``香港 电工 牌照`` is ``香港电工牌照``).

    >>> normalise_certificate("特种作业操作证（低压电工）")
    '特种作业操作证(低压电工)'
    >>> normalise_certificate(" 香港電工牌照 "), normalise_certificate("ＣＰＡ【注册 会计师】")
    ('香港电工牌照', 'cpa(注册会计师)')
    """
    text = unicodedata.normalize("NFKC", name).translate(_TO_SIMPLIFIED)
    return "".join(text.translate(_TO_PARENTHESES).lower().split())


_GROUP_OF: dict[str, str] = {
    normalise_certificate(name): f"group:{group}"
    for group, name, _region in CERTIFICATE_EQUIVALENCES
}


def certificate_group(name: str) -> str:
    """The recognition group a certificate belongs to, or its normalised name if none."""
    normalised = normalise_certificate(name)
    return _GROUP_OF.get(normalised, normalised)


def satisfies_certificates(held: Iterable[str], required: Iterable[str]) -> bool:
    """Whether ``held`` covers every required certificate, counting mutual recognition."""
    held_groups = {certificate_group(name) for name in held}
    return all(certificate_group(name) in held_groups for name in required if name.strip())
