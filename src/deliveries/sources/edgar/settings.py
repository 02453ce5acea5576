"""Where EDGAR is and how politely to ask it: endpoints, User-Agent, limits, from the environment.

Every value comes from the process environment or, failing that, a ``.env`` file in the working
directory (``KEY=VALUE`` lines; the environment wins):

- ``SEC_USER_AGENT`` (required): a name and an e-mail address, sent with every request as the
  SEC's fair-access rules ask, e.g. ``SEC_USER_AGENT="Jane Doe jane@example.com"``.
- ``EDGAR_DATA_URL`` (default ``https://data.sec.gov``): the submissions API.
- ``EDGAR_ARCHIVES_URL`` (default ``https://www.sec.gov``): the filing archives.
- ``EDGAR_RETRIES`` (default 4): retries after a 429, a 5xx or a dropped connection.
- ``EDGAR_BACKOFF`` (default 1.0): seconds before the first retry, doubled for each next one.
- ``EDGAR_TIMEOUT`` (default 30): seconds to wait for a response.
- ``EDGAR_CACHE_DIR`` (default the repository's ``.cache/edgar``): what is kept between runs (the
  verdicts on 8-Ks read, a release's exhibit; responses where the server gave validators).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ...config import environment
from ...errors import FetchError
from ...files import REPO_ROOT

TESLA_CIK = "0001318605"
DEFAULT_DATA_URL = "https://data.sec.gov"
DEFAULT_ARCHIVES_URL = "https://www.sec.gov"
USER_AGENT_VARIABLE = "SEC_USER_AGENT"
USER_AGENT_EXAMPLE = 'SEC_USER_AGENT="Jane Doe jane@example.com"'
MAX_REQUESTS_PER_SECOND = 10  # the SEC's published limit
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def settings_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``.env`` in the working directory overlaid by ``environ`` (default ``os.environ``)."""
    return environment(environ, Path.cwd() / ".env", FetchError)


def _number(values: Mapping[str, str], name: str, default: float, kind: type) -> float:
    raw = values.get(name, "").strip()
    if not raw:
        return default
    try:
        number = kind(raw)
    except ValueError:
        raise FetchError(f"{name}={raw} is not a number") from None
    if number < 0:
        raise FetchError(f"{name}={raw} must not be negative")
    return number


@dataclass(frozen=True)
class EdgarSettings:
    """Endpoints, identity and limits for one run of requests to EDGAR."""

    user_agent: str
    data_url: str = DEFAULT_DATA_URL
    archives_url: str = DEFAULT_ARCHIVES_URL
    cache_dir: Path = REPO_ROOT / ".cache" / "edgar"
    retries: int = 4
    backoff: float = 1.0
    timeout: float = 30.0
    max_per_second: int = MAX_REQUESTS_PER_SECOND

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, cache_dir: Path | None = None
    ) -> EdgarSettings:
        """Settings from the environment and ``.env``; FetchError without a usable User-Agent."""
        values = settings_environment(environ)
        agent = " ".join(values.get(USER_AGENT_VARIABLE, "").split())
        if not agent:
            raise FetchError(
                f"{USER_AGENT_VARIABLE} is not set: the SEC asks every client for a name and an "
                f"e-mail address; set it in the environment or in .env, e.g. {USER_AGENT_EXAMPLE}"
            )
        if not _EMAIL.search(agent):
            raise FetchError(
                f"{USER_AGENT_VARIABLE}={agent!r} has no e-mail address: the SEC asks for a name "
                f"and an e-mail address, e.g. {USER_AGENT_EXAMPLE}"
            )
        cache = cache_dir or values.get("EDGAR_CACHE_DIR") or REPO_ROOT / ".cache" / "edgar"
        return cls(
            user_agent=agent,
            data_url=(values.get("EDGAR_DATA_URL") or DEFAULT_DATA_URL).rstrip("/"),
            archives_url=(values.get("EDGAR_ARCHIVES_URL") or DEFAULT_ARCHIVES_URL).rstrip("/"),
            cache_dir=Path(cache),
            retries=int(_number(values, "EDGAR_RETRIES", 4, int)),
            backoff=_number(values, "EDGAR_BACKOFF", 1.0, float),
            timeout=_number(values, "EDGAR_TIMEOUT", 30.0, float) or 30.0,
        )
