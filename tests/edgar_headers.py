"""The response headers EDGAR's hosts send, as recorded (besides Date, Content-Length and
Connection): data.sec.gov's API gives no validators; www.sec.gov's generated index pages give
Last-Modified only; its stored files (S3 behind it) give an ETag, Last-Modified and ranges."""

from __future__ import annotations

import hashlib
import time
import uuid
from email.utils import formatdate

from .edgar_filings import Filing, last_modified

HSTS_WWW = "max-age=31536000 ; includeSubDomains ; preload"
SECURITY = {
    "Strict-Transport-Security": HSTS_WWW,
    "Vary": "Accept-Encoding",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "X-XSS-Protection": "1; mode=block",
}


def api_headers() -> dict[str, str]:
    """data.sec.gov's headers: no validators, nothing to be cached."""
    now = formatdate(usegmt=True)
    return {
        "access-control-allow-origin": "*",
        "cache-control": "max-age=0, no-cache, no-store",
        "content-type": "application/json",
        "expires": now,
        "pragma": "no-cache",
        "strict-transport-security": "max-age=31536000 ; preload",
        "vary": "Accept-Encoding",
        "x-amz-apigw-id": "ZtestGwIdAMEaWQ=",
        "x-amzn-requestid": str(uuid.uuid4()),
        "x-amzn-trace-id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}",
    }


def index_headers(filing: Filing, kind: str) -> dict[str, str]:
    """www.sec.gov's headers for a generated index: Last-Modified, no ETag, not to be cached."""
    return {
        "Cache-Control": "no-cache",
        "Content-Type": kind,
        "Last-Modified": last_modified(filing),
        **SECURITY,
    }


def static_headers(filing: Filing, body: bytes, kind: str) -> dict[str, str]:
    """www.sec.gov's headers for a stored file (S3 behind it): ETag, Last-Modified, ranges."""
    return {
        "Accept-Ranges": "bytes",
        "Content-Type": kind,
        "ETag": f'"{hashlib.md5(body).hexdigest()}-gzip"',
        "Last-Modified": last_modified(filing, later=42),
        **SECURITY,
        "x-amz-id-2": uuid.uuid4().hex,
        "x-amz-meta-mode": "33188",
        "x-amz-replication-status": "COMPLETED",
        "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
        "x-amz-server-side-encryption": "AES256",
        "x-amz-version-id": uuid.uuid4().hex,
    }
