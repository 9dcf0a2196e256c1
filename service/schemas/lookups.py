"""Response bodies of the read-only ``/lookups`` routes (codes the write routes accept)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CertificateGroupOut",
    "CertificateOut",
    "CityOut",
    "ClusterOut",
    "DistrictOut",
    "IndustryOut",
    "LevelOut",
    "LevelsOut",
    "OccupationOut",
]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class CityOut(_Out):
    """One of Guangdong's 21 prefecture-level cities."""

    city_code: str = Field(examples=["4403"])
    name: str = Field(examples=["深圳市"])
    short_name: str = Field(examples=["深圳"])
    gba: bool = Field(description="In the Greater Bay Area (珠三角九市).")
    zone: str = Field(description="一核 / 一带 / 一区 (the province's 一核一带一区 plan).")
    region: str
    lon: float
    lat: float


class DistrictOut(_Out):
    """A county-level division (区/县/县级市) and the city it belongs to."""

    district_code: str = Field(examples=["440307"])
    name: str = Field(examples=["龙岗区"])
    city_code: str


class OccupationOut(_Out):
    """A 职业分类大典 (2022) entry; records carry level-4 codes (细类)."""

    code: str = Field(examples=["6-31-01-03"])
    level: int = Field(ge=1, le=4, description="1 大类, 2 中类, 3 小类, 4 细类.")
    name: str
    parent_code: str | None
    aliases: list[str] = Field(description="Other names the 大典 and job sites use.")


class IndustryOut(_Out):
    """A GB/T 4754-2017 industry; records carry the 2- to 4-digit codes."""

    code: str = Field(examples=["6513"])
    level: int = Field(ge=1, le=4, description="1 门类, 2 大类, 3 中类, 4 小类.")
    name: str
    section: str = Field(description="The 门类 letter.")
    parent_code: str | None


class ClusterOut(_Out):
    """One of the 20 双十 strategic industry clusters."""

    cluster_id: str = Field(examples=["C01"])
    name: str
    kind: str = Field(description="战略性支柱产业集群 or 战略性新兴产业集群.")
    industry_codes: list[str] = Field(description="GB/T 4754 code prefixes it covers.")


class LevelOut(_Out):
    """One level value: what the API stores, its name and its label (both accepted too)."""

    value: int
    name: str
    label: str


class LevelsOut(_Out):
    """Education, skill level and 职称 values, and the plan's equivalence table."""

    levels: dict[str, list[LevelOut]] = Field(
        description="Per level type (Education, SkillLevel, TitleLevel), its values in order."
    )
    equivalence: list[dict[str, str]] = Field(
        description="高技能 ≈ 职称 ≈ education rows (高级工 ≈ 初级 ≈ 大专, …)."
    )


class CertificateOut(_Out):
    """A certificate name and where it is issued (内地, 香港, 澳门)."""

    name: str
    region: str


class CertificateGroupOut(_Out):
    """Certificates that satisfy each other in matching (一试三证, 港澳执业资格互认)."""

    group: str = Field(examples=["electrician"])
    certificates: list[CertificateOut]
