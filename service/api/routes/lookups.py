"""``/lookups``: the codes and labels the write routes accept, for any authenticated role.

Views of the tables validation itself uses (:mod:`data.lookups`), so a code offered here is
a code ``POST /vacancies`` accepts. Lists use the one envelope (``items, total, page, size``).
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Path, Query

from data import lookups
from data.store.keys import ROLES
from data.vocabulary.codes import CITY_CODE_PATTERN, OCCUPATION_PREFIX_PATTERN
from service.api.deps import PageDep
from service.api.security import require_roles
from service.core.errors import NotFound
from service.core.openapi import problem_responses
from service.schemas.common import Page, PageParams
from service.schemas.lookups import (
    CertificateGroupOut,
    CityOut,
    ClusterOut,
    DistrictOut,
    IndustryOut,
    LevelsOut,
    OccupationOut,
)

__all__ = ["router"]

router = APIRouter(prefix="/lookups", tags=["lookups"], dependencies=[require_roles(*ROLES)])
OutT = TypeVar(
    "OutT", CityOut, DistrictOut, OccupationOut, IndustryOut, ClusterOut, CertificateGroupOut
)
Search = Annotated[str, Query(max_length=50, description="Text the name (or an alias) contains.")]


def _page(model: type[OutT], rows: list[dict[str, object]], paging: PageParams) -> Page[OutT]:
    chosen = rows[paging.offset : paging.offset + paging.size]
    return Page[model].of([model.model_validate(row) for row in chosen], len(rows), paging)  # type: ignore[valid-type]


@router.get("/cities", response_model=Page[CityOut], summary="Guangdong's 21 cities")
def read_cities(paging: PageDep) -> Page[CityOut]:
    """Cities in code order, with GBA flag and zone."""
    return _page(CityOut, lookups.cities(), paging)


@router.get(
    "/cities/{city_code}/districts",
    response_model=Page[DistrictOut],
    summary="Districts of one city",
    responses=problem_responses(404),
)
def read_districts(
    city_code: Annotated[str, Path(pattern=CITY_CODE_PATTERN)], paging: PageDep
) -> Page[DistrictOut]:
    """The city's 区/县/县级市 (a ``district_code`` on a record must be one of them)."""
    try:
        rows = lookups.districts_of(city_code)
    except KeyError as error:
        raise NotFound(f"No city {city_code!r}.") from error
    return _page(DistrictOut, rows, paging)


@router.get("/occupations", response_model=Page[OccupationOut], summary="Search occupations")
def read_occupations(
    paging: PageDep,
    q: Search = "",
    level: Annotated[int | None, Query(ge=1, le=4, description="Default 4 (细类).")] = 4,
    under: Annotated[str, Query(pattern=f"({OCCUPATION_PREFIX_PATTERN})?")] = "",
) -> Page[OccupationOut]:
    """职业分类大典 (2022) entries by name or alias, best match first."""
    return _page(OccupationOut, lookups.search_occupations(q, level, under), paging)


@router.get("/industries", response_model=Page[IndustryOut], summary="Search GB/T 4754 industries")
def read_industries(
    paging: PageDep,
    q: Search = "",
    level: Annotated[int | None, Query(ge=1, le=4)] = None,
    parent: Annotated[str, Query(max_length=4, description="Children of this code.")] = "",
) -> Page[IndustryOut]:
    """GB/T 4754-2017 industries in the standard's order."""
    return _page(IndustryOut, lookups.search_industries(q, level, parent), paging)


@router.get("/clusters", response_model=Page[ClusterOut], summary="The 20 双十 industry clusters")
def read_clusters(paging: PageDep) -> Page[ClusterOut]:
    """Clusters with the industry code prefixes each covers."""
    return _page(ClusterOut, lookups.clusters(), paging)


@router.get("/levels", response_model=LevelsOut, summary="Education, skill and 职称 levels")
def read_levels() -> LevelsOut:
    """Each level's value, name and label (all three accepted on write) and equivalences."""
    return LevelsOut.model_validate(lookups.levels())


@router.get(
    "/certificate-groups",
    response_model=Page[CertificateGroupOut],
    summary="Certificates recognised as one another",
)
def read_certificate_groups(paging: PageDep, q: Search = "") -> Page[CertificateGroupOut]:
    """Mutual-recognition groups (一试三证, 港澳执业资格), optionally those naming ``q``."""
    return _page(CertificateGroupOut, lookups.certificate_groups(q), paging)
