"""Settings in one place: options and `KG_*` environment variables, validated at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg import iris, paths


class Settings(BaseSettings):
    """Every knob of the service. Each field reads `KG_<NAME>` from the environment."""

    model_config = SettingsConfigDict(env_prefix="KG_", extra="ignore")

    store: Path = Field(Path("data/store"), description="Oxigraph store directory (RocksDB).")
    journal: Path | None = Field(None, description="Change journal of the store (RDF Patch, append-only); "
                                 "unset = beside the store, STORE.journal (kg/journal).")
    base_iri: str = Field(iris.BASE, description="Base IRI of the data; request paths map onto it.")
    shared_dir: Path = Field(paths.DEFAULT_SHARED_DIR, description="Folder holding seed/ and reference/.")
    host: str = Field("127.0.0.1", description="Interface to listen on.")
    port: int = Field(8000, ge=1, le=65535, description="Port to listen on.")
    update_token: SecretStr | None = Field(None, description="Bearer token for writes; unset = writes off.")
    query_timeout: float = Field(30.0, gt=0, le=3600, description="Default per-query time limit, seconds.")
    query_workers: int = Field(2, ge=1, le=64, description="Worker processes that run queries.")
    max_request_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="Largest request body accepted.")
    max_result_rows: int = Field(100_000, ge=1, description="Largest non-streamed result, in rows.")
    cors_origins: list[str] = Field(["*"], description="Origins allowed to read cross-site.")
    cache_max_age: int = Field(60, ge=0, description="Cache-Control max-age for canned queries, seconds.")
    canned_cache_entries: int = Field(256, ge=0, description="Canned-query answers kept in memory "
                                      "(keyed by store version); 0 turns the cache off.")
    log_level: str = Field("info", description="Log level of the server.")

    @field_validator("base_iri")
    @classmethod
    def _base_iri_ends_with_slash(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")) or not v.endswith("/"):
            raise ValueError("KG_BASE_IRI must be an http(s) IRI ending with '/', e.g. https://w3id.org/tregua/")
        return v

    @property
    def seed_article(self) -> Path:
        return self.shared_dir / "seed" / "article.txt"

    @property
    def wikidata_reference(self) -> Path:
        return self.shared_dir / "reference" / "wikidata.tsv"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
