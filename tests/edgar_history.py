"""Older rows for the test server's submissions document, so that it is as large as Tesla's.

Tesla's real document lists 1,002 filings under ``filings.recent`` (February 2018 on) in about
157 kB of compact JSON, most of them Form 4s, proxy material and 144s. ``older_rows(n)`` makes
``n`` such rows (no 8-Ks: they are never candidates), dated before the server's own filings, in
the real column shapes; ``EdgarServer(real_size=True)`` appends them to its recent list.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

REAL_RECENT_ROWS = 1002  # rows of filings.recent in Tesla's document as recorded (2026-03)
# (form, act, agent prefix, primary document, description), in about the real proportions
_KINDS = [
    ("4", "", "0001104659", "xslF345X05/tm{n:06d}-1_4seq1.xml", "OWNERSHIP DOCUMENT"),
    ("4", "", "0001584518", "xslF345X03/primary_doc.xml", "PRIMARY DOCUMENT"),
    ("DEFA14A", "34", "0001104659", "tm{n:06d}d1_defa14a.htm", "DEFA14A"),
    ("4", "", "0001104659", "xslF345X05/tm{n:06d}-2_4seq1.xml", "OWNERSHIP DOCUMENT"),
    ("144", "33", "0001959173", "xsl144X01/primary_doc.xml", ""),
    ("PX14A6G", "34", "0001214659", "o{n:06d}px14a6g.htm", "PX14A6G"),
    ("4", "", "0001584518", "xslF345X03/primary_doc.xml", "PRIMARY DOCUMENT"),
    ("SC 13G/A", "34", "0001193125", "d{n:06d}dsc13ga.htm", "SC 13G/A"),
    ("10-Q", "34", "0000950170", "tsla-{day:%Y%m%d}.htm", "10-Q"),
    ("4", "", "0001104659", "xslF345X05/tm{n:06d}-3_4seq1.xml", "OWNERSHIP DOCUMENT"),
]
COLUMNS = [
    "accessionNumber",
    "filingDate",
    "reportDate",
    "acceptanceDateTime",
    "act",
    "form",
    "fileNumber",
    "filmNumber",
    "items",
    "core_type",
    "size",
    "isXBRL",
    "isInlineXBRL",
    "primaryDocument",
    "primaryDocDescription",
]


def older_rows(count: int, before: date) -> dict[str, list]:
    """``count`` rows in the submissions columns, newest first, from ``before`` back to 2018."""
    columns: dict[str, list] = {name: [] for name in COLUMNS}
    span = (before - date(2018, 2, 13)).days
    for n in range(count):
        form, act, prefix, primary, description = _KINDS[n % len(_KINDS)]
        day = before - timedelta(days=1 + n * span // max(count, 1))
        accepted = datetime(day.year, day.month, day.day, 21, n % 60, 7, tzinfo=UTC)
        filed_by_tesla = act == "34"
        values = {
            "accessionNumber": f"{prefix}-{day.year % 100:02d}-{n + 1000:06d}",
            "filingDate": day.isoformat(),
            "reportDate": (day - timedelta(days=2)).isoformat() if form == "4" else "",
            "acceptanceDateTime": accepted.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "act": act,
            "form": form,
            "fileNumber": "001-34756" if filed_by_tesla else "",
            "filmNumber": str(24000000 + n) if filed_by_tesla else "",
            "items": "",
            "core_type": form,
            "size": 4000 + (n * 7919) % 60000,
            "isXBRL": 1 if form == "10-Q" else 0,
            "isInlineXBRL": 1 if form == "10-Q" else 0,
            "primaryDocument": primary.format(n=n + 250000, day=day),
            "primaryDocDescription": description,
        }
        for name in COLUMNS:
            columns[name].append(values[name])
    return columns
