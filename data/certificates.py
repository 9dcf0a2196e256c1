"""Certificate names and their mutual recognition (一试三证 and 港澳执业资格互认).

Under the Greater Bay Area's 一试三证 scheme one assessment yields a mainland 职业技能等级证书
plus the Hong Kong and Macau counterparts, and Guangdong recognises several HK/Macau
practising licences for work on the mainland side. A vacancy that requires a certificate is
therefore satisfied by any certificate in the same *recognition group*. The table below is
deliberately small and explicit: each row is (group, certificate name, issuing region); a
name that is in no group only matches itself (after whitespace/case normalisation).

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

_GROUP_OF: dict[str, str] = {
    " ".join(name.lower().split()): f"group:{group}"
    for group, name, _region in CERTIFICATE_EQUIVALENCES
}


def normalise_certificate(name: str) -> str:
    """Whitespace-collapsed, lower-cased certificate name (full-width spaces included)."""
    return " ".join(name.replace("\u3000", " ").lower().split())


def certificate_group(name: str) -> str:
    """The recognition group a certificate belongs to, or its normalised name if none."""
    normalised = normalise_certificate(name)
    return _GROUP_OF.get(normalised, normalised)


def satisfies_certificates(held: Iterable[str], required: Iterable[str]) -> bool:
    """Whether ``held`` covers every required certificate, counting mutual recognition."""
    held_groups = {certificate_group(name) for name in held}
    return all(certificate_group(name) in held_groups for name in required if name.strip())
