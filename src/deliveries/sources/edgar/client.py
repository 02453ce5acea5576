"""A polite HTTP client for EDGAR: User-Agent, rate limit, retries with backoff, conditional GETs.

The SEC's fair-access rules: every request names its sender (``SEC_USER_AGENT``), at most 10
requests per second. A 429, a 5xx, a timeout or a dropped or refused connection is retried a
bounded number of times, waiting ``backoff * 2**n`` seconds (or what ``Retry-After`` asks, up to
:data:`MAX_RETRY_AFTER`). Every failure is one :class:`~deliveries.errors.FetchError` line that
names the URL and the cause. A response's ETag / Last-Modified are kept and sent back where the
server gives them (data.sec.gov gives neither: its submissions document comes whole every time);
the client counts what it asked and received (:attr:`EdgarClient.cost`).
"""

from __future__ import annotations

import collections
import email.utils
import hashlib
import json
import re
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from ...errors import DeliveriesError, EdgarUnavailable, FetchError
from ...files import make_folder, write_atomically
from .settings import EdgarSettings

MAX_RETRY_AFTER = 120.0  # seconds: a server asking for a longer pause is not retried now
RATE_WINDOW = 1.1  # seconds: the limit is counted over a longer second, for network jitter
MAX_BODY_BYTES = 50 * 1024 * 1024  # Tesla's submissions document is well under 1 MB


class RateLimiter:
    """At most ``per_window`` requests started in any ``window`` seconds (thread-safe)."""

    def __init__(
        self,
        per_window: int,
        window: float = RATE_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.per_window = per_window
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._starts: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until one more request fits in the window, and count it."""
        with self._lock:
            while True:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self.window:
                    self._starts.popleft()
                if len(self._starts) < self.per_window:
                    self._starts.append(now)
                    return
                self._sleep(self.window - (now - self._starts[0]))


@dataclass(frozen=True)
class Cost:
    """What a run asked of EDGAR: requests made and bytes received (as sent, before any
    decompression)."""

    requests: int = 0
    received: int = 0

    def __sub__(self, other: Cost) -> Cost:
        return Cost(self.requests - other.requests, self.received - other.received)

    def __bool__(self) -> bool:
        return self.requests > 0

    def __str__(self) -> str:
        plural = "" if self.requests == 1 else "s"
        return f"{self.requests} request{plural}, {self.received / 1000:.1f} kB"


@dataclass
class _CachedResponse:
    body: bytes
    etag: str | None
    last_modified: str | None


class ResponseCache:
    """Bodies of conditional GETs with their ETag / Last-Modified, one pair of files per URL."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _paths(self, url: str) -> tuple[Path, Path]:
        name = re.sub(r"[^A-Za-z0-9._-]", "_", url.rstrip("/").rsplit("/", 1)[-1])[:80]
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
        stem = self.folder / f"{key}-{name}"
        return stem.with_name(stem.name + ".body"), stem.with_name(stem.name + ".meta.json")

    def load(self, url: str) -> _CachedResponse | None:
        """The stored response for ``url``, or None (absent or unreadable)."""
        body_path, meta_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("url") != url:
            return None
        return _CachedResponse(body, meta.get("etag"), meta.get("last_modified"))

    def store(self, url: str, body: bytes, etag: str | None, last_modified: str | None) -> None:
        """Keep ``body`` and its validators; a failure only warns (the cache is an optimisation)."""
        body_path, meta_path = self._paths(url)
        meta = {"url": url, "etag": etag, "last_modified": last_modified}
        try:
            make_folder(self.folder)
            write_atomically(body_path, body)
            write_atomically(meta_path, json.dumps(meta, indent=1) + "\n")
        except DeliveriesError as exc:
            warnings.warn(f"EDGAR cache not updated: {exc}", UserWarning, stacklevel=2)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delay in seconds or an HTTP date), else None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


def _connection_cause(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "no response in time"
    text = str(exc).lower()
    if isinstance(exc, httpx.ConnectError):
        if "refused" in text:
            return "connection refused"
        if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
            return "host name not found"
        return f"cannot connect ({exc})" if str(exc) else "cannot connect"
    return "connection dropped"


class EdgarClient:
    """GET requests to EDGAR within the fair-access rules; use as a context manager."""

    def __init__(
        self,
        settings: EdgarSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self._sleep = sleep
        self.limiter = RateLimiter(settings.max_per_second, sleep=sleep)
        self.cache = ResponseCache(settings.cache_dir)
        self.requests_made = 0
        self.bytes_received = 0
        self._http = httpx.Client(
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=settings.timeout,
            follow_redirects=True,
            transport=transport,
        )

    def __enter__(self) -> EdgarClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    @property
    def cost(self) -> Cost:
        """Requests made and bytes received so far."""
        return Cost(self.requests_made, self.bytes_received)

    def get(
        self, url: str, *, headers: dict[str, str] | None = None, missing_ok: bool = False
    ) -> httpx.Response | None:
        """A 2xx or 304 response for ``url`` (None for a 404 when ``missing_ok``), with retries."""
        retries = self.settings.retries
        cause = ""
        delay = 0.0
        for attempt in range(retries + 1):
            if attempt:
                self._sleep(delay)
            self.limiter.wait()
            self.requests_made += 1
            try:
                response = self._http.get(url, headers=headers)
            except httpx.TransportError as exc:
                cause = _connection_cause(exc)
                delay = self.settings.backoff * 2**attempt
                continue
            except httpx.HTTPError as exc:  # an unusable URL: retrying will not help
                raise FetchError(f"GET {url}: {exc}") from None
            self.bytes_received += response.num_bytes_downloaded
            status = response.status_code
            if status < 300 or status == 304:
                if len(response.content) > MAX_BODY_BYTES:
                    raise FetchError(f"GET {url}: response larger than {MAX_BODY_BYTES} bytes")
                return response
            if status == 404 and missing_ok:
                return None
            cause = f"HTTP {status} {response.reason_phrase}".rstrip()
            if status == 429:
                delay = self.settings.backoff * 2**attempt
                asked = retry_after_seconds(response.headers.get("Retry-After"))
                if asked is not None:
                    if asked > MAX_RETRY_AFTER:
                        raise EdgarUnavailable(
                            f"GET {url}: {cause}, the server asks to wait {asked:.0f} s; "
                            "try again later"
                        )
                    delay = asked
                continue
            if status >= 500:
                delay = self.settings.backoff * 2**attempt
                continue
            hint = ""
            if status == 403:
                hint = " (the SEC refuses requests without a real name and e-mail address in "
                hint += "SEC_USER_AGENT, and clients over 10 requests per second)"
            raise FetchError(f"GET {url}: {cause}{hint}")
        raise EdgarUnavailable(f"GET {url}: {cause}; gave up after {retries} retries")

    def get_bytes(self, url: str, *, missing_ok: bool = False) -> bytes | None:
        """The body of ``url`` (None for a 404 when ``missing_ok``)."""
        response = self.get(url, missing_ok=missing_ok)
        return None if response is None else response.content

    def get_json(self, url: str, *, conditional: bool = False) -> object:
        """``url`` as JSON; ``conditional`` revalidates a cached copy when the server gave
        validators (ETag, Last-Modified) for it."""
        cached = self.cache.load(url) if conditional else None
        headers = {}
        if cached is not None:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        response = self.get(url, headers=headers or None)
        assert response is not None
        if response.status_code == 304:
            if cached is None:
                raise FetchError(f"GET {url}: HTTP 304 Not Modified, but nothing is cached")
            return parse_json(cached.body, url)
        document = parse_json(response.content, url)
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if conditional and (etag or last_modified):
            self.cache.store(url, response.content, etag, last_modified)
        return document


def parse_json(body: bytes, url: str) -> object:
    """``body`` as JSON, or a FetchError naming ``url`` and where the JSON breaks."""
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        raise FetchError(f"GET {url}: malformed JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise FetchError(
            f"GET {url}: malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
