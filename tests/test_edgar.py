"""`deliveries fetch`: finding Tesla's release on a local EDGAR-shaped server, and keeping it."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path

import pytest

from deliveries.errors import EdgarUnavailable, FetchError, ParameterError
from deliveries.sources.edgar import (
    EdgarClient,
    EdgarSettings,
    RateLimiter,
    fetch_command,
    fetch_release,
)
from deliveries.sources.edgar.classify import OTHER, RELEASE, classify
from deliveries.sources.edgar.client import retry_after_seconds
from deliveries.sources.edgar.filings import Filing
from deliveries.sources.edgar.finder import quarter_end

from .conftest import fetch, free_port
from .edgar_server import (
    AGENT,
    DROP,
    EXTRA_FILE,
    FIXTURES,
    SUBMISSIONS_PATH,
    EdgarServer,
    Queued,
    lines_of,
    release_exhibit,
)


def as_filing(served) -> Filing:
    """A served filing as the submissions document lists it."""
    return Filing(served.accession, served.form, served.filing_date, items=served.items)


def written(folders: dict[str, Path]) -> list[str]:
    data = folders["data_dir"]
    return sorted(str(p.relative_to(data)) for p in data.rglob("*")) if data.exists() else []


def test_latest_release_is_found_and_kept_with_its_sidecar(edgar, folders):
    fetched = fetch(edgar, folders, latest=True)
    filing = edgar.filing(date(2026, 1, 2))
    assert fetched.quarter == "2025Q4"
    assert fetched.accession == filing.accession
    assert fetched.filing_date == date(2026, 1, 2)
    assert fetched.form == "8-K"
    assert fetched.exhibit_url == f"{edgar.url}{filing.folder}/exhibit991.htm"
    assert fetched.parsed.to_dict()["totals"]["delivered"] == 418227
    assert fetched.path == folders["data_dir"] / "releases" / "2025Q4.htm"
    assert fetched.path.read_bytes() == (FIXTURES / "release-2025Q4.htm").read_bytes()
    assert "418,227" in fetched.text
    sidecar = json.loads(fetched.sidecar.read_text())
    assert sidecar == {
        "quarter": "2025Q4",
        "cik": "0001318605",
        "accession": filing.accession,
        "filing_date": "2026-01-02",
        "form": "8-K",
        "exhibit_url": fetched.exhibit_url,
        "filing_index_url": f"{edgar.url}{filing.folder}/{filing.accession}-index.htm",
        "exhibit_bytes": len(fetched.content),
        "exhibit_sha256": hashlib.sha256(fetched.path.read_bytes()).hexdigest(),
    }
    assert written(folders) == ["releases", "releases/2025Q4.htm", "releases/2025Q4.json"]


def test_the_newer_earnings_8k_is_passed_over_by_its_content(edgar, folders):
    earnings = edgar.filing(date(2026, 1, 28))
    fetched = fetch(edgar, folders)
    assert edgar.requested(earnings.path(earnings.exhibit().name))  # read, then passed over
    assert fetched.quarter == "2025Q4"
    verdict = classify(earnings.exhibit().content.decode(), as_filing(earnings), "letter.htm")
    assert verdict.kind == OTHER
    release = edgar.filing(date(2026, 1, 2))
    assert classify(release.exhibit().content.decode(), as_filing(release), "r.htm").kind == (
        RELEASE
    )


def test_an_older_quarter_in_the_recent_list(edgar, folders):
    fetched = fetch(edgar, folders, quarter="2025q3")
    assert (fetched.quarter, fetched.filing_date) == ("2025Q3", date(2025, 10, 2))
    assert not edgar.requested(edgar.extra_path)  # the recent list reaches back far enough
    vote = edgar.filing(date(2025, 11, 7))  # in the weeks after 2025Q3, no EX-99.1: passed over
    assert edgar.requested(f"{vote.folder}/{vote.accession}-index.htm")


def test_an_older_quarter_from_the_extra_submissions_file(edgar, folders):
    fetched = fetch(edgar, folders, quarter="2024Q4")
    assert (fetched.quarter, fetched.filing_date) == ("2024Q4", date(2025, 1, 2))
    assert edgar.requested(f"/submissions/{EXTRA_FILE}")
    assert written(folders) == ["releases", "releases/2024Q4.htm", "releases/2024Q4.json"]


def test_a_kept_release_is_not_downloaded_or_rewritten_again(edgar, folders):
    first = fetch(edgar, folders)
    stamp = first.path.stat().st_mtime_ns
    exhibit = f"{edgar.filing(date(2026, 1, 2)).folder}/exhibit991.htm"
    again = fetch(edgar, folders)
    assert (again.quarter, again.changed, first.changed) == ("2025Q4", False, True)
    assert len(edgar.requested(exhibit)) == 1
    assert again.path.stat().st_mtime_ns == stamp


def test_a_poll_that_finds_nothing_new_costs_one_request(edgar, folders):
    fetch(edgar, folders)
    before = len(edgar.requests)
    again = fetch(edgar, folders)
    assert again.quarter == "2025Q4" and not again.changed
    assert [r.path for r in edgar.requests[before:]] == [SUBMISSIONS_PATH]
    memory = json.loads((folders["cache_dir"] / "verdicts.json").read_text())
    earnings = edgar.filing(date(2026, 1, 28))
    assert memory[earnings.accession]["reason"] == (
        f"{edgar.url}{earnings.path(earnings.exhibit().name)}: not a production & deliveries "
        "release (headline 'HIGHLIGHTS', no dateline, financial statements, filed 28 days after "
        "2025Q4 ended)"
    )


def test_a_new_quarter_added_to_the_server_becomes_the_latest(edgar, folders):
    fetch(edgar, folders)
    edgar.add_release("2026Q1", date(2026, 4, 2))
    fetched = fetch(edgar, folders)
    assert fetched.quarter == "2026Q1"
    assert fetched.parsed.to_dict()["totals"]["produced"] == sum(
        p for _, p, _ in lines_of("2026Q1")
    )
    assert written(folders)[-2:] == ["releases/2026Q1.htm", "releases/2026Q1.json"]


def test_submissions_revalidated_with_the_cached_etag_and_served_from_the_cache(folders):
    """Where a server gives validators (data.sec.gov does not), the poll is conditional."""
    with EdgarServer(conditional=True) as edgar:
        fetch(edgar, folders)
        fetch(edgar, folders)
        first, second = edgar.requested(SUBMISSIONS_PATH)
        etag = '"' + hashlib.sha256(edgar.submissions()).hexdigest()[:16] + '"'
        # The server answered 304 with no body: the document came from the cache.
        assert fetch(edgar, folders, quarter="2025Q2").quarter == "2025Q2"
    assert "If-None-Match" not in first.headers
    assert second.headers["If-None-Match"] == etag  # so the server answered 304 Not Modified
    assert second.headers["If-Modified-Since"] == "Fri, 02 Jan 2026 14:05:09 GMT"
    assert any(folders["cache_dir"].glob("*CIK0001318605.json.body"))


def test_every_request_carries_the_user_agent(edgar, folders):
    fetch(edgar, folders, quarter="2025Q1")
    assert len(edgar.requests) > 5
    assert {r.headers.get("User-Agent") for r in edgar.requests} == {AGENT}


def test_too_many_requests_then_success_honours_retry_after(edgar, folders):
    edgar.queue(SUBMISSIONS_PATH, Queued(429, b"slow down", {"Retry-After": "1"}))
    assert fetch(edgar, folders).quarter == "2025Q4"
    first, second = edgar.requested(SUBMISSIONS_PATH)
    assert second.at - first.at >= 0.95


def test_too_many_requests_is_retried_a_bounded_number_of_times(edgar, folders):
    edgar.queue(SUBMISSIONS_PATH, *[429] * 10)
    with pytest.raises(FetchError) as caught:
        fetch(edgar, folders)
    assert len(edgar.requested(SUBMISSIONS_PATH)) == 4  # EDGAR_RETRIES=3 in the test environment
    assert str(caught.value) == (
        f"GET {edgar.url}{SUBMISSIONS_PATH}: HTTP 429 Too Many Requests; gave up after 3 retries"
    )


def test_a_long_retry_after_is_not_waited_for(edgar, folders):
    edgar.queue(SUBMISSIONS_PATH, Queued(429, b"", {"Retry-After": "3600"}))
    with pytest.raises(FetchError, match="asks to wait 3600 s; try again later"):
        fetch(edgar, folders)
    assert len(edgar.requested(SUBMISSIONS_PATH)) == 1


def test_server_errors_until_the_retries_run_out(edgar, folders):
    filing = edgar.filing(date(2026, 1, 2))
    index = f"{filing.folder}/{filing.accession}-index.htm"
    edgar.queue(index, *[503] * 10)
    with pytest.raises(FetchError) as caught:
        fetch(edgar, folders)
    message = str(caught.value)
    assert "\n" not in message
    assert (
        message == f"GET {edgar.url}{index}: HTTP 503 Service Unavailable; gave up after 3 retries"
    )
    assert len(edgar.requested(index)) == 4
    assert written(folders) == []


def test_a_server_error_then_success(edgar, folders):
    edgar.queue(SUBMISSIONS_PATH, 500, 502)
    assert fetch(edgar, folders).quarter == "2025Q4"
    assert len(edgar.requested(SUBMISSIONS_PATH)) == 3


def test_a_dropped_connection_is_retried(edgar, folders):
    edgar.queue(SUBMISSIONS_PATH, DROP)
    assert fetch(edgar, folders).quarter == "2025Q4"


def test_a_refused_connection(folders):
    unused_port = free_port()
    environ = {
        "SEC_USER_AGENT": AGENT,
        "EDGAR_DATA_URL": f"http://127.0.0.1:{unused_port}",
        "EDGAR_RETRIES": "2",
        "EDGAR_BACKOFF": "0.01",
    }
    with pytest.raises(FetchError) as caught:
        fetch_release(environ=environ, **folders)
    assert str(caught.value) == (
        f"GET http://127.0.0.1:{unused_port}/submissions/CIK0001318605.json: "
        "connection refused; gave up after 2 retries"
    )
    assert written(folders) == []


def test_malformed_json(edgar, folders):
    edgar.queue(SUBMISSIONS_PATH, Queued(200, b'{"cik": "1318605", "filings": {"recent": [', {}))
    with pytest.raises(FetchError) as caught:
        fetch(edgar, folders)
    assert str(caught.value).startswith(f"GET {edgar.url}{SUBMISSIONS_PATH}: malformed JSON (")
    assert written(folders) == []


def test_json_that_is_not_a_submissions_document(edgar, folders):
    edgar.queue(SUBMISSIONS_PATH, Queued(200, b'{"message": "maintenance"}'))
    with pytest.raises(FetchError, match="not an EDGAR submissions document"):
        fetch(edgar, folders)


def test_a_filing_without_ex_99_1(folders):
    with EdgarServer(standard=False) as edgar:
        vote = edgar.add_filing(date(2026, 4, 3), items="5.07")
        with pytest.raises(FetchError) as caught:
            fetch(edgar, folders, quarter="2026Q1")
        url = edgar.url
    index = f"{url}{vote.folder}/{vote.accession}-index.htm"
    assert str(caught.value) == (
        "no production & deliveries release found for 2026Q1 among Tesla's 1 8-K filings from "
        f"2026-04-01 to 2026-07-09 in {url}{SUBMISSIONS_PATH} (passed over: {index}: no EX-99.1 "
        "exhibit)"
    )


def test_no_release_for_a_quarter_that_has_none(edgar, folders):
    with pytest.raises(FetchError, match="no production & deliveries release found for 2026Q1"):
        fetch(edgar, folders, quarter="2026Q1")
    assert written(folders) == []


def test_an_exhibit_listed_but_missing(edgar, folders):
    filing = edgar.add_release("2026Q1", date(2026, 4, 2))
    filing.documents[1].missing = True
    with pytest.raises(EdgarUnavailable, match=r"exhibit991\.htm: HTTP 404 Not Found \(the EX-99"):
        fetch(edgar, folders)
    assert written(folders) == []


def test_a_release_whose_figures_do_not_add_up_stops_the_fetch(edgar, folders):
    edgar.add_release("2026Q1", date(2026, 4, 2), totals=(413579, 400000))
    with pytest.raises(FetchError) as caught:
        fetch(edgar, folders)
    message = str(caught.value)
    assert "exhibit991.htm looked like a production & deliveries release (release headline, " in (
        message
    )
    assert "could not be read: totals do not add up" in message
    assert not isinstance(caught.value, EdgarUnavailable)  # waiting will not mend it
    assert "\n" not in message
    assert written(folders) == []


def test_the_folder_listing_when_the_index_page_is_missing(edgar, folders):
    filing = edgar.filing(date(2026, 1, 2))
    edgar.queue(f"{filing.folder}/{filing.accession}-index.htm", 404)
    edgar.queue(f"{filing.folder}/{filing.accession}-index.html", 404)
    fetched = fetch(edgar, folders, quarter="2025Q4")
    assert fetched.exhibit_url.endswith("/exhibit991.htm")
    assert edgar.requested(f"{filing.folder}/index.json")


def test_no_user_agent_refuses_before_any_request(edgar, folders, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env here
    environ = edgar.environ()
    del environ["SEC_USER_AGENT"]
    with pytest.raises(FetchError) as caught:
        fetch_release(environ=environ, **folders)
    assert str(caught.value) == (
        "SEC_USER_AGENT is not set: the SEC asks every client for a name and an e-mail address; "
        'set it in the environment or in .env, e.g. SEC_USER_AGENT="Jane Doe jane@example.com"'
    )
    assert edgar.requests == []


def test_a_user_agent_without_an_e_mail_address_is_refused(edgar, folders):
    with pytest.raises(FetchError, match="has no e-mail address"):
        fetch_release(environ=edgar.environ(SEC_USER_AGENT="Jane Doe"), **folders)
    assert edgar.requests == []


def test_the_user_agent_from_dot_env_and_the_environment_wins(
    edgar, folders, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        '# delivery day\nSEC_USER_AGENT="Dot Env dotenv@example.com"\nMAIL_TO=x@example.com\n'
    )
    environ = edgar.environ()
    del environ["SEC_USER_AGENT"]
    fetch_release(environ=environ, **folders)
    assert {r.headers["User-Agent"] for r in edgar.requests} == {"Dot Env dotenv@example.com"}
    assert EdgarSettings.from_environment(edgar.environ()).user_agent == AGENT


@pytest.mark.e2e
def test_at_most_ten_requests_in_any_second(edgar, tmp_path):
    settings = EdgarSettings.from_environment(edgar.environ(), tmp_path)
    with EdgarClient(settings) as client:
        for _ in range(25):
            client.get_bytes(f"{edgar.url}/Archives/edgar/data/1318605/nothing", missing_ok=True)
    times = [r.at for r in edgar.requests]  # as the server received them
    assert len(times) == 25
    assert times[-1] - times[0] >= 2.0  # 25 requests need more than two seconds
    for index, start in enumerate(times):
        assert sum(1 for t in times[index:] if t - start < 1.0) <= 10


def test_the_rate_limiter_waits_for_the_oldest_request_to_leave_the_window():
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(round(seconds, 3))
        now[0] += seconds

    limiter = RateLimiter(10, window=1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(10):
        limiter.wait()
        now[0] += 0.01
    assert waits == []
    limiter.wait()  # the 11th request waits until the first is a second old
    assert waits == [0.9] and now[0] == pytest.approx(1.0)


def test_retry_after_in_seconds_or_as_a_date():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Fri, 02 Jan 2026 14:05:39 GMT", now=1767362709.0) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_bad_parameters(edgar, folders):
    with pytest.raises(ParameterError, match="--quarter 2025-4: not a quarter label"):
        fetch(edgar, folders, quarter="2025-4")
    with pytest.raises(ParameterError, match="exclude each other"):
        fetch(edgar, folders, quarter="2025Q4", latest=True)
    assert edgar.requests == []


def test_quarter_end():
    assert [quarter_end(f"2024Q{n}") for n in range(1, 5)] == [
        date(2024, 3, 31),
        date(2024, 6, 30),
        date(2024, 9, 30),
        date(2024, 12, 31),
    ]


def test_fetch_command_summary_and_json(edgar, tmp_path, monkeypatch, capsys):
    for name, value in edgar.environ(EDGAR_CACHE_DIR=str(tmp_path / "cache")).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    assert fetch_command(data_dir=tmp_path / "data") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(
        "fetch: 2025Q4 production & deliveries release (produced 434,358, delivered 418,227), "
        "8-K filed 2026-01-02, accession 0001628280-26-"
    )
    assert lines[1].startswith(f"fetch: exhibit {edgar.url}/Archives/edgar/data/1318605/")
    assert lines[2] == "fetch: kept data/releases/2025Q4.htm and data/releases/2025Q4.json"
    assert re.fullmatch(r"fetch: asked EDGAR 5 requests, \d+\.\d kB", lines[3])
    assert fetch_command(quarter="2025Q2", as_json=True, data_dir=tmp_path / "data") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["quarter"] == "2025Q2"
    assert report["filing_date"] == "2025-07-02"
    assert report["release"]["totals"] == {
        "produced": 410244,
        "delivered": 384122,
        "lease_pct": None,
    }
    assert report["changed"] is True
    assert report["asked"]["requests"] == 5  # the 2025Q3 release (in the window) and 2025Q2's
    assert report["asked"]["bytes"] > len(edgar.submissions())


def test_generated_exhibits_read_like_releases():
    from deliveries.sources.ingest import parse_release

    parsed = parse_release(release_exhibit("2026Q1", date(2026, 4, 2)).decode())
    assert (parsed.quarter, parsed.release_date) == ("2026Q1", "2026-04-02")
