"""`deliveries fetch` against real-shaped EDGAR responses (issue 22): an ordinary 8-K never stops
the fetch, every exhibit name is found, no verdict reached on a partial answer is kept, and a
poll costs what the real server makes it cost (it sends no validators)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta

import httpx
import pytest

from deliveries.errors import EdgarUnavailable, FetchError

from .conftest import ROOT, fetch
from .edgar_filings import image_only_exhibit
from .edgar_server import (
    SUBMISSIONS_PATH,
    EdgarServer,
    Queued,
    release_exhibit,
)


def paths(server: EdgarServer, since: int = 0) -> list[str]:
    return [r.path for r in server.requests[since:]]


def without_indexes(filing, *also: str) -> None:
    """Neither index page of ``filing`` answers (404), nor the files named in ``also``."""
    filing.unserved |= {f"{filing.accession}-index.htm", f"{filing.accession}-index.html", *also}


TRANSPOSED = (  # the release's table turned on its side: the parser finds no model lines
    "<div><span>AUSTIN, Texas, April 2, 2026 &#8211; Tesla reports its quarter.</span></div>"
    "<div><table><tr><td><span>&#160;</span></td><td><span>Model 3/Y</span></td>"
    "<td><span>Other Models</span></td><td><span>Total</span></td></tr>"
    "<tr><td><span>Production</span></td><td><span>394,611</span></td>"
    "<td><span>13,775</span></td><td><span>408,386</span></td></tr>"
    "<tr><td><span>Deliveries</span></td><td><span>341,893</span></td>"
    "<td><span>16,130</span></td><td><span>358,023</span></td></tr></table></div>"
)


# --- 1. an 8-K that is not a release never stops the fetch ---------------------------------------


def test_an_update_letter_speaking_of_deliveries_first_is_passed_over(edgar, folders):
    """The newest 8-K is the earnings Update letter whose first sentence speaks of growth in
    vehicle deliveries: passed over, and the release before it found."""
    earnings = edgar.filing(date(2026, 1, 28))
    fetched = fetch(edgar, folders)
    assert edgar.requested(earnings.path(earnings.exhibit().name))  # read, then passed over
    assert (fetched.quarter, fetched.filing_date) == ("2025Q4", date(2026, 1, 2))


def test_a_release_whose_table_changed_is_named_not_skipped(edgar, folders):
    filing = edgar.add_release(
        "2026Q1", date(2026, 4, 2), figures=TRANSPOSED, exhibit_name="exhibit9911111.htm"
    )
    with pytest.raises(FetchError) as caught:
        fetch(edgar, folders)
    message = str(caught.value)
    assert "\n" not in message
    assert f"{edgar.url}{filing.path('exhibit9911111.htm')} looked like a production & " in message
    assert "(release headline, dateline, items 2.02,9.01, filed 2 days after 2026Q1 ended)" in (
        message
    )
    assert "could not be read: no model lines found for 2026Q1" in message
    assert not isinstance(caught.value, EdgarUnavailable)  # waiting will not mend it
    assert not (folders["data_dir"] / "releases").exists()


def test_a_release_whose_headline_and_wording_changed_is_named_not_skipped(edgar, folders):
    """No release headline, no sentence or table the classifier knows: still an 8-K with Item
    2.02 two days after a quarter, which only releases have been."""
    exhibit = (
        b"<html><body><p>Exhibit 99.1</p><p>Tesla First Quarter 2026 Vehicle Numbers</p><p>"
        b"AUSTIN, Texas, April 2, 2026 &#8211; Tesla built 408,386 and handed over 358,023 cars "
        b"in the quarter.</p></body></html>"
    )
    filing = edgar.add_release("2026Q1", date(2026, 4, 2), exhibit)
    with pytest.raises(FetchError) as caught:
        fetch(edgar, folders)
    message = str(caught.value)
    assert f"{filing.path(filing.exhibit().name)} looked like a production & deliveries " in message
    assert "(dateline, items 2.02,9.01, filed 2 days after 2026Q1 ended) but could not be read" in (
        message
    )


def test_no_release_for_a_quarter_names_what_looked_like_one(edgar, folders):
    release = edgar.add_release("2026Q1", date(2026, 4, 2), figures=TRANSPOSED)
    earnings = edgar.add_earnings("2026Q1", date(2026, 4, 22))
    with pytest.raises(FetchError) as caught:
        fetch(edgar, folders, quarter="2026Q1")
    message = str(caught.value)
    assert message.startswith(
        "no production & deliveries release found for 2026Q1 among Tesla's 2 8-K filings from "
        "2026-04-01 to 2026-07-09"
    )
    assert f"{release.path(release.exhibit().name)} looked like a production & deliveries" in (
        message
    )
    assert "could not be read: no model lines found" in message
    assert f"{earnings.path(earnings.exhibit().name)}: not a production & deliveries" in message
    assert "\n" not in message


def test_an_image_only_exhibit_in_the_days_after_a_quarter_is_not_passed_over(edgar, folders):
    filing = edgar.add_release("2026Q1", date(2026, 4, 2), image_only_exhibit("exhibit991.htm"))
    with pytest.raises(FetchError) as caught:
        fetch(edgar, folders)
    message = str(caught.value)
    assert f"{filing.path('exhibit991.htm')} looked like a production & deliveries" in message
    assert "no text (its pages as pictures only?)" in message


def test_an_image_only_exhibit_weeks_after_a_quarter_is_passed_over(edgar, folders):
    edgar.add_filing(
        date(2026, 2, 20), items="8.01,9.01", exhibit=image_only_exhibit("exhibit991.htm")
    )
    assert fetch(edgar, folders).quarter == "2025Q4"


def test_a_vote_s_8k_in_the_days_after_a_quarter_is_passed_over_by_its_items(edgar, folders):
    """An image-only exhibit two days after a quarter, in an 8-K of items 5.07,9.01 (a vote):
    no release has had those items alone."""
    from deliveries.errors import UnclassifiedFiling

    edgar.add_filing(
        date(2026, 4, 2), items="5.07,9.01", exhibit=image_only_exhibit("exhibit991.htm")
    )
    with pytest.raises(FetchError) as caught:
        fetch(edgar, folders, quarter="2026Q1")
    assert "exhibit991.htm: not a production & deliveries release (no text, items 5.07,9.01, " in (
        str(caught.value)
    )
    assert not isinstance(caught.value, (EdgarUnavailable, UnclassifiedFiling))


# --- 2. every exhibit name is found -------------------------------------------------------------


@pytest.mark.parametrize("name", ["exhibit991.htm", "exhibit9911111.htm", "exhibit99111111.htm"])
def test_workiva_exhibit_names_when_neither_index_page_answers(name, folders):
    with EdgarServer() as edgar:
        filing = edgar.add_release("2026Q1", date(2026, 4, 2), exhibit_name=name)
        without_indexes(filing)
        fetched = fetch(edgar, folders, quarter="2026Q1")
        assert fetched.exhibit_url == f"{edgar.url}{filing.path(name)}"
        assert edgar.requested(filing.path("index.json"))
        # the listing names a certain EX-99.1 or it does not: only then is the typed .txt read
        assert bool(edgar.requested(filing.text_path)) == (name != "exhibit991.htm")


AGENTS = [  # a release filed by each agent Tesla has used, with its items and exhibit name
    ("2019Q4", date(2020, 1, 3), "0001564590", "2.02,7.01,9.01", r"tsla-ex991_\d+\.htm"),
    ("2022Q4", date(2023, 1, 2), "0001564590", "2.02,8.01,9.01", r"tsla-ex991_\d+\.htm"),
    ("2023Q3", date(2023, 10, 2), "0000950170", "2.02,9.01", r"tsla-ex99_1\.htm"),
    ("2024Q3", date(2024, 10, 2), "0001628280", "2.02,9.01", r"exhibit991\.htm"),
]


@pytest.mark.parametrize("indexes", [True, False], ids=["index page", "folder listing"])
@pytest.mark.parametrize("quarter, filed, prefix, items, name", AGENTS, ids=[a[0] for a in AGENTS])
def test_each_filer_agent_s_release(quarter, filed, prefix, items, name, indexes, folders):
    with EdgarServer(standard=False) as edgar:
        filing = edgar.add_release(quarter, filed, lines=[("Model 3/Y", 1000, 900)])
        if not indexes:
            without_indexes(filing)
        fetched = fetch(edgar, folders, quarter=quarter)
        page = httpx.get(edgar.url + filing.index_path).text if indexes else ""
    assert filing.accession.startswith(prefix + "-") and filing.items == items
    assert re.fullmatch(name, fetched.exhibit_url.rsplit("/", 1)[1])
    assert fetched.index_url.endswith("-index.htm" if indexes else "/index.json")
    if indexes:
        assert "Item 2.02: Results of Operations and Financial Condition<br />" in page
        assert '<a href="/ix?doc=/Archives/edgar/data/1318605/' in page


def test_the_other_index_page_when_one_does_not_answer(edgar, folders):
    filing = edgar.filing(date(2026, 1, 2))
    filing.unserved.add(f"{filing.accession}-index.htm")
    fetched = fetch(edgar, folders, quarter="2025Q4")
    assert fetched.exhibit_url.endswith("/exhibit991.htm")
    assert edgar.requested(filing.path(f"{filing.accession}-index.html"))
    assert fetched.index_url.endswith(f"{filing.accession}-index.html")


@pytest.mark.parametrize("name", ["tsla-ex991_6.htm", "tsla-ex99_1.htm", "pressrelease.htm"])
def test_other_agents_names_and_a_name_that_says_nothing(name, folders):
    with EdgarServer() as edgar:
        filing = edgar.add_release("2026Q1", date(2026, 4, 2), exhibit_name=name)
        without_indexes(filing)
        assert fetch(edgar, folders, quarter="2026Q1").exhibit_url.endswith("/" + name)


def test_a_page_served_in_place_of_the_index_is_passed_for_the_next_source(edgar, folders):
    """A 200 that is not EDGAR's index (a maintenance page), then a listing that is not JSON:
    the complete submission text file still types the exhibit."""
    filing = edgar.filing(date(2026, 1, 2))
    maintenance = Queued(200, b"<html><body>Down for maintenance</body></html>")
    edgar.queue(filing.index_path, maintenance)
    edgar.queue(filing.path(f"{filing.accession}-index.html"), maintenance)
    edgar.queue(filing.path("index.json"), Queued(200, b"<html>", {"Content-Type": "text/html"}))
    fetched = fetch(edgar, folders, quarter="2025Q4")
    assert fetched.exhibit_url.endswith("/exhibit991.htm")
    assert fetched.index_url.endswith(f"/{filing.accession}.txt")


def test_an_empty_exhibit_is_not_remembered(folders):
    with EdgarServer(standard=False) as edgar:
        filing = edgar.add_filing(date(2026, 2, 20), items="8.01,9.01", exhibit=b"")
        for _ in range(2):
            with pytest.raises(FetchError, match="not a production & deliveries release"):
                fetch(edgar, folders)
        assert len(edgar.requested(filing.path(filing.exhibit().name))) == 2  # read again


def test_could_not_tell_rather_than_has_none(folders):
    with EdgarServer() as edgar:
        filing = edgar.add_release("2026Q1", date(2026, 4, 2), exhibit_name="exhibit9911111.htm")
        without_indexes(filing, f"{filing.accession}.txt")
        with pytest.raises(EdgarUnavailable) as caught:
            fetch(edgar, folders, quarter="2026Q1")
    message = str(caught.value)
    assert "could not tell whether it has an EX-99.1 exhibit" in message
    assert "exhibit9911111.htm (EX-99.1, or EX-99.11 and on?)" in message
    assert "no EX-99.1 exhibit" not in message
    assert "\n" not in message


def test_a_filing_whose_typed_index_has_no_ex_99_1(folders):
    with EdgarServer(standard=False) as edgar:
        vote = edgar.add_vote(date(2026, 4, 3), date(2026, 4, 2))
        with pytest.raises(FetchError) as caught:
            fetch(edgar, folders, quarter="2026Q1")
        url = edgar.url
    assert not isinstance(caught.value, EdgarUnavailable)
    assert str(caught.value) == (
        "no production & deliveries release found for 2026Q1 among Tesla's 1 8-K filings from "
        f"2026-04-01 to 2026-07-09 in {url}{SUBMISSIONS_PATH} (passed over: "
        f"{url}{vote.index_path}: no EX-99.1 exhibit)"
    )


# --- 3. no wrong verdict is kept ----------------------------------------------------------------


def test_a_verdict_reached_while_edgar_answered_in_part_is_not_kept(folders):
    with EdgarServer() as edgar:
        filing = edgar.add_release("2026Q1", date(2026, 4, 2), exhibit_name="exhibit9911111.htm")
        without_indexes(filing, f"{filing.accession}.txt")
        with pytest.raises(FetchError):
            fetch(edgar, folders, quarter="2026Q1")
        filing.unserved.clear()  # EDGAR answers in full again
        assert fetch(edgar, folders, quarter="2026Q1").quarter == "2026Q1"


def test_an_old_cache_of_verdicts_is_not_trusted(folders):
    """``passed-over-v1.json`` of the old reader held 'no EX-99.1' for real releases."""
    with EdgarServer(standard=False) as edgar:
        release = edgar.add_release("2026Q1", date(2026, 4, 2))
        folders["cache_dir"].mkdir()
        (folders["cache_dir"] / "passed-over-v1.json").write_text(
            json.dumps({release.accession: f"{release.folder}/index.json: no EX-99.1 exhibit"})
        )
        assert fetch(edgar, folders).quarter == "2026Q1"


def cached_verdicts(folders) -> dict:
    return json.loads((folders["cache_dir"] / "verdicts.json").read_text())


def test_verdicts_are_drawn_from_content_and_keyed_by_it(edgar, folders):
    fetch(edgar, folders)
    earnings = edgar.filing(date(2026, 1, 28))
    entry = cached_verdicts(folders)[earnings.accession]
    from deliveries.sources.edgar import classify

    assert entry["verdict"] == "other"
    assert entry["reader"] == classify.READER_VERSION
    assert entry["exhibit_url"] == f"{edgar.url}{earnings.path(earnings.exhibit().name)}"
    assert len(entry["sha256"]) == 64
    assert "not a production & deliveries release" in entry["reason"]


def test_verdicts_read_from_another_server_are_not_used(folders):
    """A cache filled against a test server (its own accession numbers) says nothing of EDGAR's
    filings: a verdict is used only with the archives it was read from."""
    with EdgarServer() as first:
        fetch(first, folders)
    with EdgarServer() as second:
        fetch(second, folders)
        earnings = second.filing(date(2026, 1, 28))
        assert second.requested(earnings.path(earnings.exhibit().name))  # read anew


def test_a_newer_reader_reads_the_exhibits_again(edgar, folders, monkeypatch):
    from deliveries.sources.edgar import classify

    fetch(edgar, folders)
    earnings = edgar.filing(date(2026, 1, 28))
    exhibit = earnings.path(earnings.exhibit().name)
    fetch(edgar, folders)
    assert len(edgar.requested(exhibit)) == 1
    monkeypatch.setattr(classify, "READER_VERSION", classify.READER_VERSION + 1)
    fetch(edgar, folders)
    assert len(edgar.requested(exhibit)) == 2


def test_a_changed_filing_is_read_again(edgar, folders):
    fetch(edgar, folders)
    earnings = edgar.filing(date(2026, 1, 28))
    exhibit = earnings.exhibit()
    exhibit.content = exhibit.content.replace(b"OUTLOOK", b"OUTLOOK AND PLANS")
    fetch(edgar, folders)
    assert len(edgar.requested(earnings.path(exhibit.name))) == 2


@pytest.mark.parametrize("damage", ["{not json", '{"0001628280-26-000001": 7}', "[]"])
def test_a_damaged_cache_is_passed_over(damage, edgar, folders):
    folders["cache_dir"].mkdir()
    (folders["cache_dir"] / "verdicts.json").write_text(damage)
    assert fetch(edgar, folders).quarter == "2025Q4"
    assert isinstance(cached_verdicts(folders), dict)  # written anew


def test_a_kept_exhibit_that_is_not_the_one_filed_is_read_from_edgar_again(edgar, folders):
    first = fetch(edgar, folders)
    first.path.write_bytes(first.content[:200])  # cut short
    shutil.rmtree(folders["cache_dir"])  # nothing remembered: data/releases/ is asked
    again = fetch(edgar, folders)
    assert again.changed and again.path.read_bytes() == first.content
    release = edgar.filing(date(2026, 1, 2))
    assert len(edgar.requested(release.path(release.exhibit().name))) == 2


def test_a_damaged_cached_release_is_read_from_edgar_again(edgar, folders):
    fetch(edgar, folders, quarter="2025Q3")  # not the latest: kept, but check the cache
    release = edgar.filing(date(2025, 10, 2))
    for stored in (folders["cache_dir"] / "exhibits").glob("*"):
        stored.write_bytes(b"damaged")
    (folders["data_dir"] / "releases" / "2025Q3.json").unlink()  # not kept either
    assert fetch(edgar, folders, quarter="2025Q3").quarter == "2025Q3"
    assert len(edgar.requested(release.path(release.exhibit().name))) == 2


# --- 4. only promises the real server keeps -----------------------------------------------------


def test_the_test_server_sends_data_sec_gov_s_headers(edgar):
    import httpx

    response = httpx.get(edgar.url + SUBMISSIONS_PATH)
    headers = {k.lower() for k in response.headers}
    assert "etag" not in headers and "last-modified" not in headers
    assert response.headers["cache-control"] == "max-age=0, no-cache, no-store"
    assert response.headers["content-type"] == "application/json"
    index = httpx.get(edgar.url + edgar.filing(date(2026, 1, 2)).index_path)
    assert index.headers["Cache-Control"] == "no-cache" and "ETag" not in index.headers
    assert index.headers["Last-Modified"] == "Fri, 02 Jan 2026 13:05:09 GMT"
    text = httpx.get(edgar.url + edgar.filing(date(2026, 1, 2)).text_path)
    assert text.headers["Content-Type"] == "text/plain"
    assert text.headers["ETag"].endswith('-gzip"') and text.headers["Accept-Ranges"] == "bytes"


def test_a_poll_with_nothing_new_costs_the_submissions_document_only(edgar, folders):
    first = fetch(edgar, folders)
    before = len(edgar.requests)
    again = fetch(edgar, folders)
    assert again.quarter == "2025Q4" and not again.changed
    assert paths(edgar, before) == [SUBMISSIONS_PATH]
    (poll,) = edgar.requests[before:]
    assert "If-None-Match" not in poll.headers and "If-Modified-Since" not in poll.headers
    assert poll.status == 200 and poll.sent == len(edgar.submissions())
    assert (again.cost.requests, again.cost.received) == (1, poll.sent)
    assert first.cost.requests == 5  # submissions, the letter's index and exhibit, the release's
    assert not any(folders["cache_dir"].glob("*.body"))  # nothing to revalidate with


def test_a_poll_finds_a_release_kept_only_in_the_cache_without_asking_for_it(folders):
    """``update`` keeps nothing when the quarter is already in data/: the release's verdict and
    exhibit in the cache spare the next poll its index page and exhibit."""
    from deliveries.sources.edgar import find_release

    with EdgarServer(standard=False, real_size=True) as edgar:
        release = edgar.add_release("2026Q3", date(2026, 10, 2))
        environ = edgar.environ()
        assert find_release(environ=environ, **folders).quarter == "2026Q3"
        before = len(edgar.requests)
        found = find_release(environ=environ, **folders)
        assert found.quarter == "2026Q3" and paths(edgar, before) == [SUBMISSIONS_PATH]
        assert found.content == release.exhibit().content
        (poll,) = edgar.requests[before:]
    assert "If-None-Match" not in poll.headers and poll.sent > 150_000  # the whole document


def test_validators_are_used_where_a_server_gives_them(folders):
    with EdgarServer(conditional=True) as edgar:
        fetch(edgar, folders)
        fetch(edgar, folders)
        first, second = edgar.requested(SUBMISSIONS_PATH)
    assert "If-None-Match" not in first.headers
    assert second.headers["If-None-Match"].startswith('"')
    assert second.status == 304 and second.sent == 0


def test_release_exhibits_of_the_test_server_read_like_releases():
    from deliveries.sources.ingest import parse_release

    parsed = parse_release(release_exhibit("2026Q1", date(2026, 4, 2)).decode())
    assert (parsed.quarter, parsed.release_date) == ("2026Q1", "2026-04-02")


def test_what_a_poll_costs_on_a_server_of_tesla_s_real_size(folders):
    """As ``update`` polls (nothing kept in data/releases/): the newest 8-K is an Update letter,
    the release is older. With a warm cache a poll asks for the submissions document only,
    without validators to send (data.sec.gov gives none), ~157 kB as Tesla's is; a new 8-K
    adds its index page and its exhibit, once."""
    from deliveries.sources.edgar import find_release

    with EdgarServer(through_2026q3=True, real_size=True) as edgar:
        environ = edgar.environ()
        find_release(environ=environ, **folders)  # the first poll reads both exhibits
        before = len(edgar.requests)
        found = find_release(environ=environ, **folders)
        (poll,) = edgar.requests[before:]
        filing = edgar.add_new_quarter()
        before = len(edgar.requests)
        new = find_release(environ=environ, **folders)
        asked = paths(edgar, before)
    assert found.quarter == "2026Q3" and new.quarter == "2026Q4"
    assert poll.path == SUBMISSIONS_PATH and poll.status == 200
    assert "If-None-Match" not in poll.headers and "If-Modified-Since" not in poll.headers
    assert 150_000 < poll.sent < 165_000
    assert (found.cost.requests, found.cost.received) == (1, poll.sent)
    assert asked == [SUBMISSIONS_PATH, filing.index_path, filing.path(filing.exhibit().name)]
    assert new.cost.requests == 3 and new.cost.received < poll.sent + 20_000


RELEASE_TEXTS = sorted((ROOT / "tests" / "fixtures" / "releases").rglob("20*.*"))


@pytest.mark.parametrize("path", RELEASE_TEXTS, ids=lambda p: p.name)
@pytest.mark.parametrize("days", [2, 24], ids=["in the days after", "weeks after"])
def test_every_release_layout_since_2016_is_read_as_a_release(path, days):
    """The releases ingest's tests hold (2016-2025 layouts): each one a release, filed when
    releases are or weeks late, never passed over."""
    from deliveries.data.quarters import Quarter
    from deliveries.sources.edgar.classify import RELEASE, classify
    from deliveries.sources.edgar.filings import Filing
    from deliveries.sources.ingest.text import decode_text

    quarter = path.name[:6]
    filed = Quarter.parse(quarter).last_day + timedelta(days=days)
    filing = Filing("0001564590-20-000001", "8-K", filed, items="2.02,7.01,9.01")
    verdict = classify(decode_text(path.read_bytes()), filing, path.name)
    assert (verdict.kind, verdict.parsed and verdict.parsed.quarter) == (RELEASE, quarter)
