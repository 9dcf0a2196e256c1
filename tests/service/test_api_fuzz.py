"""Schemathesis against the app's own OpenAPI document: no input makes a record, match or
feedback route fail with a server error (5xx), and successful responses match their
documented schema.

The app runs in-process (ASGI) on a real SQLite store holding generated records (tenant
``public``) and a fitted match engine, so the match routes really rank. Requests carry a
valid key: the admin key, except for the record POSTs and PUTs, which use a platform key of
tenant ``public`` (an admin must name ``tenant_id``, which the generated bodies seldom do,
so admin-keyed POSTs would mostly stop at that 422). Paths with an id are also aimed at an
existing record so that the routes get past their 404. Bounded: :data:`MAX_EXAMPLES`
examples per operation and generation mode.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from data.generator import GeneratorConfig, generate, to_records
from data.records import Candidate, Vacancy
from data.store import (
    make_engine,
    session_scope,
    upgrade_to_head,
    upsert_candidates,
    upsert_vacancies,
)
from data.store.keys import issue_key
from models.match import MatchEngine
from models.registry import save_artifact
from service.main import create_app
from service.matching import MATCH_ARTIFACT
from tests.support.service import make_service_settings

MAX_EXAMPLES = 50  # per operation and generation mode (positive, negative): 100 at most
FUZZED_TAGS = ("vacancies", "candidates", "matches", "feedback")
# Deletes last, so the records aimed at are still there for the other operations.
OPERATIONS = [
    ("post", "/vacancies"),
    ("post", "/vacancies:batch"),
    ("put", "/vacancies/{vacancy_id}"),
    ("patch", "/vacancies/{vacancy_id}"),
    ("get", "/vacancies"),
    ("get", "/vacancies/{vacancy_id}"),
    ("post", "/candidates"),
    ("post", "/candidates:batch"),
    ("put", "/candidates/{candidate_id}"),
    ("patch", "/candidates/{candidate_id}"),
    ("get", "/candidates"),
    ("get", "/candidates/{candidate_id}"),
    ("get", "/vacancies/{vacancy_id}/matches"),
    ("get", "/candidates/{candidate_id}/matches"),
    ("post", "/matches/candidates-for-vacancy"),
    ("post", "/matches/vacancies-for-candidate"),
    ("post", "/feedback"),
    ("get", "/feedback"),
    ("delete", "/vacancies/{vacancy_id}"),
    ("delete", "/candidates/{candidate_id}"),
]
PLATFORM_KEYED = {
    (method, path)
    for method, path in OPERATIONS
    if method in ("post", "put") and not path.startswith("/feedback")
}
KNOWN_IDS = {"vacancy_id": "V0000001", "candidate_id": "C0000001"}
CHECKS = [not_a_server_error, response_schema_conformance]
Keys = dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def keys_and_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[Keys, Any]:
    settings = make_service_settings(Path(tmp_path_factory.mktemp("fuzz")))
    data = generate(GeneratorConfig(start="2025-01", end="2025-04", scale=30, seed=7))
    engine = MatchEngine().fit(data.candidates, data.vacancies, data.outcomes)
    save_artifact(
        engine,
        MATCH_ARTIFACT,
        data_range=("2025-01", "2025-04"),
        metrics={},
        root=settings.registry_dir,
    )
    vacancies = [r for r in to_records(data.vacancies, "vacancies") if isinstance(r, Vacancy)]
    candidates = [r for r in to_records(data.candidates, "candidates") if isinstance(r, Candidate)]
    assert {KNOWN_IDS["vacancy_id"], KNOWN_IDS["candidate_id"]} <= {
        *(v.vacancy_id for v in vacancies),
        *(c.candidate_id for c in candidates),
    }
    store = make_engine(settings.database_url)
    upgrade_to_head(store)
    with session_scope(store) as session:
        plain = {
            "admin": issue_key(session, "admin")[1],
            "platform": issue_key(session, "platform", "public")[1],
        }
        upsert_vacancies(session, vacancies)
        upsert_candidates(session, candidates)
    store.dispose()
    keys = {role: {"Authorization": f"Bearer {key}"} for role, key in plain.items()}
    return keys, create_app(settings)


@pytest.fixture(scope="module")
def api_schema(keys_and_app: tuple[Keys, Any]) -> Any:
    _, app = keys_and_app
    return schemathesis.openapi.from_asgi("/openapi.json", app).include(
        tag_regex=f"^({'|'.join(FUZZED_TAGS)})$"
    )


def test_every_record_operation_is_fuzzed(api_schema: Any) -> None:
    found = {(op.ok().method, op.ok().path) for op in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


# Schemathesis' pytest integration (``from_fixture``) reads a private pytest attribute that
# pytest 9 removed, so each operation's strategy is driven by a plain Hypothesis test.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_server_errors(
    api_schema: Any, keys_and_app: tuple[Keys, Any], method: str, path: str, mode: GenerationMode
) -> None:
    keys, _ = keys_and_app
    headers = keys["platform" if (method, path) in PLATFORM_KEYED else "admin"]
    operation = api_schema[path][method.upper()]
    strategy = operation.as_strategy(generation_mode=mode)
    aimed = {name: value for name, value in KNOWN_IDS.items() if "{" + name + "}" in path}
    if aimed:
        strategy = st.one_of(
            strategy, operation.as_strategy(generation_mode=mode, path_parameters=aimed)
        )

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,  # nothing written into the repository
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.fixture(scope="module")
def other_operations(keys_and_app: tuple[Keys, Any]) -> list[Any]:
    """Every documented operation outside the record/match/feedback tags."""
    _, app = keys_and_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [
        op.ok()
        for op in schema.get_all_operations()
        if not set(op.ok().tags or ()) & set(FUZZED_TAGS)
    ]


def test_the_rest_of_the_api_has_no_server_errors(
    keys_and_app: tuple[Keys, Any], other_operations: list[Any]
) -> None:
    """Catalogue, reports, warnings, indicators, meta: fewer examples each, admin key."""
    keys, _ = keys_and_app
    assert len(other_operations) >= 8  # catalogue, reports, warnings, indicators, health…
    for operation in other_operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=10,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                case.call_and_validate(headers=keys["admin"], checks=[not_a_server_error])

            try:
                run()
            except Unsatisfiable:
                # an operation with no parameters has no invalid request to generate
                assert mode is GenerationMode.NEGATIVE, operation.label
