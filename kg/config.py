"""Settings in one place: options and `KG_*` environment variables, validated at start-up."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
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
    update_tokens: SecretStr | None = Field(None, description=(
        "Named write tokens, `name:token,name:token` or a JSON object {\"name\": \"token\"}; "
        "the name is recorded as who wrote each change. Names are slugs (a-z, 0-9, -)."))
    allow_clear_all: bool = Field(False, description="Let CLEAR/DROP ALL, NAMED and DEFAULT run; "
                                  "they then clear only the writable graphs (never the built ones).")
    query_timeout: float = Field(30.0, gt=0, le=3600, description="Default per-query time limit, seconds.")
    dump_timeout: float = Field(600.0, gt=0, le=86400, description="Time limit of one whole-store dump "
                                "(/dumps/…), seconds: a dump holds one query worker while it streams.")
    query_workers: int = Field(2, ge=1, le=64, description="Worker processes that run queries.")
    query_queue: int = Field(64, ge=0, le=1024, description=(
        "Queries that may wait for a busy worker pool; past it a query is refused at once with 503 "
        "and Retry-After (never an unbounded wait). 0 = no waiting."))
    query_demote_after: float = Field(0.5, ge=0, le=3600, description=(
        "A query running longer than this many seconds has its worker process demoted to the lowest "
        "CPU priority (nice 19) and a spare worker lent in its place, so cheap queries keep the CPU and "
        "the workers; the worker is restored (or replaced) when the query ends. 0 = never."))
    query_local_cap: int = Field(2000, ge=0, le=100_000, description=(
        "A query whose work is provably bounded (a plain pattern naming its subjects or objects, "
        "counted in the indexes before it runs: kg/store/bounded.py) is answered in the server "
        "process, without the hop to a worker, when it reads at most this many quads; 0 = never."))
    client_budget_seconds: float = Field(0.0, ge=0, description=(
        "Query time each client (a write token when one is presented, else its IP address) may use "
        "per KG_CLIENT_BUDGET_WINDOW; past it 429 with Retry-After. 0 = no budget (the default)."))
    client_budget_window: float = Field(60.0, gt=0, le=86400, description=(
        "The window of KG_CLIENT_BUDGET_SECONDS, in seconds."))
    max_request_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="Largest request body accepted.")
    max_result_rows: int = Field(100_000, ge=1, description="Largest non-streamed result, in rows.")
    query_hold_bytes: int = Field(4 * 1024 * 1024, ge=0, le=1024 * 1024 * 1024, description=(
        "Bytes of a /sparql answer held back before its response starts: an answer up to this size "
        "is sent whole, or refused with 503 and Retry-After when its query runs past its time limit; "
        "only a larger one streams, and one cut at its limit ends the connection early. 0 = stream at once."))
    cors_origins: list[str] = Field(["*"], description="Origins allowed to read cross-site.")
    cache_max_age: int = Field(60, ge=0, description="Cache-Control max-age for canned queries, seconds.")
    canned_cache_entries: int = Field(256, ge=0, description="Canned-query answers kept in memory "
                                      "(keyed by store version); 0 turns the cache off.")
    log_level: str = Field("info", description="Log level of the server.")
    service_allow: str = Field("", description="SPARQL endpoints that queries may call with SERVICE: "
                               "comma- or space-separated IRIs, matched exactly; empty = SERVICE refused.")

    backend: Literal["embedded", "sparql"] = Field("embedded", description=(
        "Where the data lives: `embedded` (the Oxigraph store at KG_STORE, served by this process) or "
        "`sparql` (a remote SPARQL 1.1 store at KG_SPARQL_QUERY_URL; docs/deployment.md)."))
    sparql_query_url: str | None = Field(None, description="Remote store's SPARQL query endpoint (KG_BACKEND=sparql).")
    sparql_update_url: str | None = Field(None, description="Remote store's SPARQL update endpoint; unset = no writes.")
    sparql_store_url: str | None = Field(None, description="Remote store's Graph Store Protocol endpoint "
                                         "(`kg build` loads through it; unset = loads by SPARQL update).")
    sparql_user: str | None = Field(None, description="User name for the remote store (HTTP auth).")
    sparql_password: SecretStr | None = Field(None, description="Password for the remote store.")
    sparql_auth: Literal["basic", "digest"] = Field("basic", description="HTTP auth scheme of the remote store.")
    sparql_timeout_param: str = Field("", description=(
        "Query parameter carrying the per-query limit in milliseconds to the remote store, for stores that "
        "take one (Virtuoso: `timeout`); empty = none sent (Oxigraph: start it with --timeout-s)."))
    sparql_connections: int = Field(16, ge=1, le=256, description="Pooled connections to the remote store.")
    sparql_union_param: bool = Field(True, description=(
        "Send Oxigraph's `union-default-graph` parameter so plain queries see every graph; turn off for "
        "stores whose default graph is that union already and that refuse unknown parameters."))

    @field_validator("base_iri")
    @classmethod
    def _base_iri_ends_with_slash(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")) or not v.endswith("/"):
            raise ValueError("KG_BASE_IRI must be an http(s) IRI ending with '/', e.g. https://w3id.org/tregua/")
        return v

    @field_validator("update_tokens")
    @classmethod
    def _named_tokens_parse(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None:
            parse_update_tokens(v.get_secret_value())
        return v

    @model_validator(mode="after")
    def _tokens_distinct(self) -> Settings:
        self.write_tokens()
        return self

    def write_tokens(self) -> list[tuple[str | None, SecretStr]]:
        """Every token that may write, with its writer's name (None: the single `KG_UPDATE_TOKEN`).

        >>> s = Settings(update_token="t0-secret", update_tokens="alice:t1-secret,bob:t2-secret")
        >>> [(name, token.get_secret_value()) for name, token in s.write_tokens()]
        [(None, 't0-secret'), ('alice', 't1-secret'), ('bob', 't2-secret')]
        """
        out: list[tuple[str | None, SecretStr]] = []
        if self.update_token is not None and self.update_token.get_secret_value():
            out.append((None, self.update_token))
        if self.update_tokens is not None:
            out += [(name, SecretStr(token))
                    for name, token in parse_update_tokens(self.update_tokens.get_secret_value()).items()]
        seen: dict[str, str] = {}
        for name, token in out:
            label = name or "KG_UPDATE_TOKEN"
            other = seen.setdefault(token.get_secret_value(), label)
            if other != label:
                raise ValueError(f"KG_UPDATE_TOKENS: {label} has the same token as {other}: give each writer "
                                 "its own token, or no one can tell who wrote what")
        return out

    @property
    def service_allow_list(self) -> tuple[str, ...]:
        """`service_allow` as IRIs (see `kg.service.parse_allow`)."""
        from kg.service import parse_allow

        return parse_allow(self.service_allow)

    @property
    def seed_article(self) -> Path:
        return self.shared_dir / "seed" / "article.txt"

    @property
    def wikidata_reference(self) -> Path:
        return self.shared_dir / "reference" / "wikidata.tsv"


def parse_update_tokens(text: str) -> dict[str, str]:
    """`KG_UPDATE_TOKENS`: `name:token` pairs separated by commas, or a JSON object name -> token.

    >>> parse_update_tokens("alice:s3cret-a, bob:s3cret-b")
    {'alice': 's3cret-a', 'bob': 's3cret-b'}
    >>> parse_update_tokens('{"newsroom-bot": "s3cret-c"}')
    {'newsroom-bot': 's3cret-c'}
    >>> parse_update_tokens("Alice:x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: KG_UPDATE_TOKENS: the writer name 'Alice' is not a slug: use lower-case letters, ...
    """
    text = text.strip()
    pairs: list[tuple[str, str]] = []
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"KG_UPDATE_TOKENS is not valid JSON: {exc}; "
                             'write {"alice": "token-1"} or alice:token-1,bob:token-2') from None
        if not isinstance(data, dict) or not all(isinstance(t, str) for t in data.values()):
            raise ValueError('KG_UPDATE_TOKENS as JSON must be an object of strings, e.g. {"alice": "token-1"}')
        pairs = list(data.items())
    else:
        for n, item in enumerate(part.strip() for part in text.split(",")):
            if not item:
                continue
            name, sep, token = item.partition(":")
            if not sep:
                raise ValueError(f"KG_UPDATE_TOKENS: item {n + 1} has no ':' between name and token; "
                                 "write alice:token-1,bob:token-2")
            pairs.append((name.strip(), token.strip()))
    out: dict[str, str] = {}
    for name, token in pairs:
        if not iris.SLUG_RE.match(name):
            raise ValueError(f"KG_UPDATE_TOKENS: the writer name {name!r} is not a slug: use lower-case "
                             "letters, digits and single hyphens, e.g. alice or news-desk")
        if not token or any(c.isspace() for c in token):
            raise ValueError(f"KG_UPDATE_TOKENS: the token of {name} is empty or holds white space")
        if name in out:
            raise ValueError(f"KG_UPDATE_TOKENS: the writer {name} is named twice; give each name once")
        out[name] = token
    if not out:
        raise ValueError("KG_UPDATE_TOKENS is set but names no writer; write alice:token-1,bob:token-2 "
                         "or unset it")
    return out


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
