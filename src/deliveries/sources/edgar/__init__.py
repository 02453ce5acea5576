"""Tesla's production & deliveries releases from SEC EDGAR (``deliveries fetch``).

``fetch_release`` finds a release and keeps it in ``data/releases/``; ``find_release`` only finds
it; ``fetch_command`` is the command line. Settings come from the environment and ``.env``
(see :mod:`.settings`).
"""

from ...errors import UnclassifiedFiling
from .client import Cost, EdgarClient, RateLimiter
from .fetch import (
    FetchedRelease,
    FoundRelease,
    fetch_command,
    fetch_release,
    find_release,
    keep_release,
    releases_folder,
)
from .settings import TESLA_CIK, EdgarSettings

__all__ = [
    "TESLA_CIK",
    "Cost",
    "EdgarClient",
    "EdgarSettings",
    "FetchedRelease",
    "FoundRelease",
    "RateLimiter",
    "UnclassifiedFiling",
    "fetch_command",
    "fetch_release",
    "find_release",
    "keep_release",
    "releases_folder",
]
