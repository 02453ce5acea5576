"""Turn Tesla's quarterly production & deliveries press release into rows of the data table.

Read :func:`read_release`, parse :func:`parse_release` (pure: text in, :class:`ParsedRelease`
out), then :func:`prepare_addition` and :func:`write_addition` to put the rows into
``production_deliveries.csv``; :func:`ingest_release` is ``deliveries ingest`` doing all four.

Where things live: ``vocabulary`` (model lines, the lexicon, tokens), ``text`` (reading the input,
HTML, titles), ``dates`` (datelines, the release date, the quarter), ``table`` (the table parser,
2019Q2 on), ``prose`` (the sentence parser, 2016-2019Q1), ``results`` (the result types and
:func:`parse_release`), ``csvfile`` (the data-table rewrite), ``command`` (the command).

Names are imported when first used: parsing a release needs neither pandas nor the data table
(``deliveries update`` polls EDGAR with it), writing one does.
"""

from importlib import import_module

_WHERE = {
    "ingest_release": "command",
    "Addition": "csvfile",
    "prepare_addition": "csvfile",
    "write_addition": "csvfile",
    "ParsedRelease": "results",
    "ReleaseRow": "results",
    "parse_release": "results",
    "read_release": "text",
}

__all__ = [
    "Addition",
    "ParsedRelease",
    "ReleaseRow",
    "ingest_release",
    "parse_release",
    "prepare_addition",
    "read_release",
    "write_addition",
]


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
