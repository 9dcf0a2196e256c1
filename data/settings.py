"""The one place YueCai reads its configuration from (environment, prefix ``YUECAI_``)."""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings", "use_scratch_workspace"]


class Settings(BaseSettings):
    """Runtime settings.

    Examples
    --------
    >>> Settings(database_url="sqlite:///x.db").database_url
    'sqlite:///x.db'
    """

    model_config = SettingsConfigDict(env_prefix="YUECAI_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/yuecai.sqlite3",
        description="SQLAlchemy URL; SQLite file by default, PostgreSQL in production.",
    )
    registry_dir: Path = Field(
        default=Path("registry"), description="Git-ignored folder holding model artifacts."
    )
    var_dir: Path = Field(default=Path("var"), description="Working files (exports, demo data).")
    random_seed: int = 20261125
    page_size_max: int = 200
    request_body_max_bytes: int = 5 * 1024 * 1024
    min_cell_size: int = Field(
        default=5, description="Planner aggregates with fewer records than this are suppressed."
    )
    issuing_body: str = Field(
        default="广东省人力资源和社会保障厅", description="发布单位 printed on every PDF page."
    )
    preload_title_coder: bool = Field(
        default=False,
        description=(
            "Build the occupation coder in the background at start-up (`yuecai serve` turns"
            " it on), so the first create without an occupation code does not wait for it."
        ),
    )
    personal_data_key: SecretStr = Field(
        default=SecretStr(""),
        description=(
            "AES-256 key (32 bytes, URL-safe base64) sealing candidates' contact data at rest;"
            " empty: the public demo key (data.store.sealing.DEMO_KEY), for demos and tests only."
        ),
    )
    boundary_file: Path | None = Field(
        default=None, description="Optional GeoJSON of the 21 city boundaries for the maps."
    )
    boundary_review_number: str = Field(default="", description="审图号 of the boundary file.")
    boundary_crs: str = Field(default="", description="Coordinate system of the boundary file.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (cached; clear with ``get_settings.cache_clear()``)."""
    return Settings()


def use_scratch_workspace(prefix: str = "yuecai-") -> Path:
    """Point the store, the registry and the var folder at a new temporary folder.

    For notebooks and demos: everything they write lands there, never in the user's real
    store. Sets the ``YUECAI_*`` variables of this process and clears the settings cache, so
    call it before anything has opened a connection.
    """
    workspace = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["YUECAI_DATABASE_URL"] = f"sqlite:///{workspace / 'yuecai.sqlite3'}"
    os.environ["YUECAI_REGISTRY_DIR"] = str(workspace / "registry")
    os.environ["YUECAI_VAR_DIR"] = str(workspace / "var")
    get_settings.cache_clear()
    return workspace
