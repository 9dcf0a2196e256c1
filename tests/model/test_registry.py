"""File-system model registry: round trip, integrity refusal, fallback, concurrency."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sklearn.linear_model import Ridge

from models.registry import (
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    RegistryError,
    latest_good,
    list_versions,
    load_artifact,
    load_latest_good,
    save_artifact,
)

RANGE = ("2024-01", "2025-12")


def _save(root: Path, obj: object = None, **kwargs: object):
    payload = {"weights": [1, 2, 3]} if obj is None else obj
    return save_artifact(
        payload, "demand", data_range=RANGE, metrics={"mase": 0.8}, root=root, **kwargs
    )


def test_round_trip_with_metadata(tmp_path: Path) -> None:
    model = Ridge(alpha=0.5).fit([[0.0], [1.0]], [0.0, 1.0])
    info = save_artifact(
        model, "demand", data_range=RANGE, metrics={"mase": 0.8, "coverage": 0.79}, root=tmp_path
    )
    loaded, loaded_info = load_artifact("demand", root=tmp_path)
    assert loaded.predict([[2.0]]) == pytest.approx(model.predict([[2.0]]))
    assert loaded_info == info
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{8}", info.version)
    meta = json.loads((tmp_path / "demand" / info.version / "metadata.json").read_text())
    assert meta["params"]["alpha"] == 0.5  # taken from get_params()
    assert set(meta["libraries"]) >= {
        "python",
        "numpy",
        "pandas",
        "sklearn",
        "statsmodels",
        "joblib",
    }
    assert meta["data_range"] == list(RANGE) and meta["metrics"]["coverage"] == 0.79
    assert len(meta["sha256"]) == 64


def test_versions_sort_and_latest(tmp_path: Path) -> None:
    first, second = _save(tmp_path, {"v": 1}), _save(tmp_path, {"v": 2})
    assert list_versions("demand", root=tmp_path) == [first.version, second.version]
    assert load_artifact("demand", root=tmp_path)[0] == {"v": 2}
    assert load_artifact("demand", first.version, root=tmp_path)[0] == {"v": 1}


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[:-1] + b"\x00"), "does not match"),
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "truncated"),
        (lambda p: (p.parent / "metadata.json").unlink(), "metadata.json is missing"),
        (lambda p: (p.parent / "metadata.json").write_text("{"), "unreadable"),
        (lambda p: p.unlink(), "model.joblib is missing"),
    ],
)
def test_damaged_artifacts_are_refused(tmp_path: Path, damage, match: str) -> None:
    info = _save(tmp_path)
    damage(info.artifact_path)
    with pytest.raises(ArtifactIntegrityError, match=match):
        load_artifact("demand", root=tmp_path)
    assert issubclass(ArtifactIntegrityError, RegistryError)


def test_refused_before_unpickling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = _save(tmp_path)
    info.artifact_path.write_bytes(b"not a pickle at all")
    called = []
    monkeypatch.setattr("joblib.load", lambda *a, **k: called.append(a))
    with pytest.raises(ArtifactIntegrityError):
        load_artifact("demand", root=tmp_path)
    assert called == []


def test_latest_good_skips_tampered_versions(tmp_path: Path) -> None:
    good = _save(tmp_path, {"v": "good"})
    bad = _save(tmp_path, {"v": "bad"})
    with bad.artifact_path.open("ab") as handle:
        handle.write(b"tamper")
    assert latest_good("demand", root=tmp_path).version == good.version
    obj, info = load_latest_good("demand", root=tmp_path)
    assert obj == {"v": "good"} and info.version == good.version
    good.artifact_path.write_bytes(b"")
    with pytest.raises(ArtifactNotFoundError, match="no verifiable version"):
        latest_good("demand", root=tmp_path)


def test_concurrent_saves_produce_distinct_complete_versions(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        infos = list(pool.map(lambda i: _save(tmp_path, {"i": i}), range(24)))
    versions = list_versions("demand", root=tmp_path)
    assert len(set(versions)) == 24 == len({i.version for i in infos})
    assert not [p for p in (tmp_path / "demand").iterdir() if p.name.startswith(".")]
    for info in infos:
        assert load_artifact("demand", info.version, root=tmp_path)[1].sha256 == info.sha256


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda r: load_artifact("nothing", root=r), ArtifactNotFoundError, "no saved versions"),
        (
            lambda r: load_artifact("demand", "19990101", root=r),
            ArtifactNotFoundError,
            "no version",
        ),
        (lambda r: _save(r, version="../escape"), RegistryError, "invalid version"),
        (lambda r: load_artifact("../etc", root=r), RegistryError, "invalid model name"),
    ],
)
def test_bad_requests(tmp_path: Path, call, error: type[Exception], match: str) -> None:
    _save(tmp_path)
    with pytest.raises(error, match=match):
        call(tmp_path)


def test_explicit_version_is_never_overwritten(tmp_path: Path) -> None:
    _save(tmp_path, version="v1")
    with pytest.raises(RegistryError, match="already exists"):
        _save(tmp_path, version="v1")
    assert list_versions("demand", root=tmp_path) == ["v1"]


def test_default_root_comes_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from data.settings import get_settings

    monkeypatch.setenv("YUECAI_REGISTRY_DIR", str(tmp_path / "reg"))
    get_settings.cache_clear()
    try:
        save_artifact({"a": 1}, "demo", data_range=RANGE, metrics={"nan": float("nan")})
        assert load_artifact("demo")[1].metrics == {"nan": None}
        assert (tmp_path / "reg" / "demo").is_dir()
    finally:
        get_settings.cache_clear()
