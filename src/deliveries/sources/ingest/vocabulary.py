"""The words of a release: model lines, metrics, the lexicon, and the tokenizer built on them."""

from __future__ import annotations

import re
from dataclasses import dataclass

PRODUCED, DELIVERED = "produced", "delivered"
S_X, THREE_Y = "Model S/X", "Model 3/Y"
LINE_ORDER = ["Model S", "Model X", S_X, "Model 3", THREE_Y, "Model Y", "Other Models"]
COMBINED_LINES = {S_X: ("Model S", "Model X"), THREE_Y: ("Model 3", "Model Y")}


def totals_mismatch(metric: str, line_sum: int, total: int) -> str:
    """The error when the model lines of ``metric`` do not add up to the release's total."""
    noun = "production" if metric == PRODUCED else "deliveries"
    return (
        f"totals do not add up: the model lines' {noun} add up to {line_sum:,} but the "
        f"release's total is {total:,}"
    )


# --- the lexicon -----------------------------------------------------------------------------

MONTH = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
WEEKDAY = r"(?i:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)"
MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}


def date_pattern(tag: str) -> str:
    """A calendar date with named groups suffixed by ``tag`` (so several fit in one regex)."""
    return (
        rf"\b{WEEKDAY}?(?P<mon{tag}>{MONTH})\s+(?P<day{tag}>\d{{1,2}})(?:st|nd|rd|th)?"
        rf"(?:,\s*|\s+)(?P<year{tag}>\d{{4}})\b"
        rf"|\b(?P<dday{tag}>\d{{1,2}})\s+(?P<dmon{tag}>{MONTH}),?\s+(?P<dyear{tag}>\d{{4}})\b"
        rf"|\b(?P<iso{tag}>\d{{4}}-\d{{2}}-\d{{2}})\b"
    )


_LABEL_PATTERNS = [
    (
        S_X,
        r"Models?\s*S\s*(?:/|&|\+|and)\s*(?:Model\s*)?X|Models?\s*X\s*(?:/|&|\+|and)\s*"
        r"(?:Model\s*)?S|(?<![\w/])S\s*/\s*X",
    ),
    (THREE_Y, r"Models?\s*3\s*(?:/|&|\+|and)\s*(?:Model\s*)?Y|(?<![\w/])3\s*/\s*Y"),
    ("Other Models", r"Other\s+Models"),
    ("Model S", r"Model\s*S"),
    ("Model X", r"Model\s*X"),
    ("Model 3", r"Model\s*3"),
    ("Model Y", r"Model\s*Y"),
]
_LABEL_NAMES = {f"label{index}": name for index, (name, _) in enumerate(_LABEL_PATTERNS)}

_TOKEN = re.compile(
    r"(?P<brk>\n[ \t|]*\n)"
    rf"|(?P<date>{date_pattern('')}|\b(?P<mday>{MONTH})\s+\d{{1,2}}(?:st|nd|rd|th)?(?![\d%])"
    rf"(?!,\d)|\b{MONTH}\s+(?:19|20)\d\d\b)"
    r"|(?P<time>\b\d{1,2}(?::\d{2})?\s*[ap]\.?\s?m\.?(?!\w)|\b\d{1,2}:\d{2}\b)"
    r"|(?P<quarter>\b(?:Q(?P<qn>[1-4])|(?P<qord>first|second|third|fourth|1st|2nd|3rd|4th)"
    r"[\s-]+quarter)(?:(?:\s+of|\s*,)?\s*(?:FY\s*)?(?P<qyear>(?:19|20)\d\d)\b|\s*'(?P<qyy>\d\d)\b)?"
    r"|\b(?P<yq>(?:19|20)\d\d)\s*-?\s*Q(?P<qn2>[1-4])\b)"
    + "".join(
        rf"|(?P<label{index}>\b(?:{pattern})(?:s|'s)?(?![A-Za-z_/]))"
        for index, (_, pattern) in enumerate(_LABEL_PATTERNS)
    )
    + r"|(?P<num>\$?\d+(?:,\d{3})*(?:\.\d+)?)(?P<numtail>[A-Za-z]\w*)?"
    r"|(?P<word>(?:[A-Za-z]\.){2,}|Total(?=\d)|[A-Za-z][A-Za-z0-9_'&-]*)"
    r"|(?P<tilde>[~≈])"
    r"|(?P<dash>(?<![^\s|])[-–—−]+(?![^\s|]))"
    r"|(?P<punct>[.,;:!?()])",
    re.IGNORECASE,
)

_UNIT_AFTER = re.compile(
    r"\s*(?:(?P<pct>%|percent\b|per\s*cent\b)"
    r"|(?P<other>[kMG]Wh?\b|million\b|billion\b|thousand\b"
    r"|(?:per|a|an|each|every|/)\s*(?:week|wk|day|month|hour|year|quarter)s?\b"
    r"|-?(?:weeks?|days?|months?|years?|hours?|minutes?|times|x)\b))",
    re.IGNORECASE,
)

_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
}
DELIVERY_WORDS = re.compile(r"^deliver")
PRODUCTION_WORDS = re.compile(r"^(?:produc|manufactur|built$|build$|builds$)")
CLAUSE_WORDS = {"and", "while", "but", "whereas", "plus"}
LINKING_WORDS = {
    "were",
    "was",
    "are",
    "is",
    "of",
    "units",
    "the",
    "for",
    "new",
    "them",
    "being",
    "those",
    "these",
    "which",
    "as",
}
WHOLE_WORDS = {"total", "overall", "combined", "all", "vehicles", "cars", "altogether"}
# a clause with one of these is about something else than the quarter's production or deliveries
DISTRACTOR_WORDS = {
    "transit",
    "week",
    "weeks",
    "weekly",
    "day",
    "days",
    "daily",
    "rate",
    "rates",
    "annualized",
    "annualised",
    "annual",
    "annually",
    "yearly",
    "half",
    "h1",
    "h2",
    "cumulative",
    "cumulatively",
    "guidance",
    "expect",
    "expects",
    "expecting",
    "forecast",
    "target",
    "targets",
    "outlook",
    "reservations",
    "orders",
    "backlog",
    "since",
    "inventory",
    "compared",
    "versus",
    "vs",
    "prior",
    "previous",
    "ago",
    "earlier",
    "ytd",
    "estimate",
    "estimated",
    "lifetime",
    "month",
    "months",
    "last",
    "next",
    "following",
    "future",
}
QUALIFIERS = {
    "approximately",
    "about",
    "around",
    "roughly",
    "nearly",
    "almost",
    "over",
    "approx",
    "circa",
}
TWO_WORD_QUALIFIERS = {("more", "than"), ("just", "under"), ("close", "to"), ("upwards", "of")}
CONTINUING_WORDS = {
    "and",
    "or",
    "of",
    "the",
    "to",
    "by",
    "in",
    "for",
    "with",
    "a",
    "an",
    "were",
    "was",
    "which",
    "at",
    "from",
    "on",
    "model",
    "models",
}
ABBREVIATIONS = {
    "calif",
    "inc",
    "corp",
    "co",
    "ltd",
    "mr",
    "ms",
    "dr",
    "st",
    "vs",
    "approx",
    "no",
    "nos",
    "fig",
    "est",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
}


@dataclass(frozen=True)
class Token:
    """A piece of the release: a word, a number with what it counts, a label, a date..."""

    kind: str  # brk date time quarter label count year pct number dash tilde word punct
    text: str
    value: object = None


def tokenize(text: str) -> list[Token]:
    """Split normalized release text into tokens; separators (spaces, ``|``) are dropped."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = _group_kind(match)
        raw = match.group(0)
        if kind == "brk":
            if tokens and tokens[-1].kind != "brk":
                tokens.append(Token("brk", raw))
        elif kind == "quarter":
            tokens.append(Token("quarter", raw, _quarter_value(match)))
        elif kind in _LABEL_NAMES:
            tokens.append(Token("label", raw, _LABEL_NAMES[kind]))
        elif kind == "num":
            tokens.append(_number_token(match, text))
        elif kind == "word":
            tokens.append(Token("word", raw, raw.lower().rstrip(".")))
        else:
            tokens.append(Token(kind, raw))
    return tokens


def _group_kind(match: re.Match) -> str:
    """The outermost named group that matched (``lastgroup`` can name an inner one)."""
    for name in (
        "brk",
        "date",
        "time",
        "quarter",
        *_LABEL_NAMES,
        "num",
        "word",
        "tilde",
        "dash",
        "punct",
    ):
        if match.group(name) is not None:
            return name
    return ""


def _quarter_value(match: re.Match) -> tuple[int, int | None]:
    """``(quarter number, year or None)`` of a quarter mention."""
    if match.group("yq"):
        return int(match.group("qn2")), int(match.group("yq"))
    number = int(match.group("qn")) if match.group("qn") else _ORDINALS[match.group("qord").lower()]
    if match.group("qyear"):
        return number, int(match.group("qyear"))
    if match.group("qyy"):
        return number, 2000 + int(match.group("qyy"))
    return number, None


def _number_token(match: re.Match, text: str) -> Token:
    """Classify a number: a count of vehicles, a percentage, a year, or something else."""
    raw = match.group("num")
    if match.group("numtail") or raw.startswith("$") or "." in raw:
        unit = _UNIT_AFTER.match(text, match.end())
        if unit and unit.group("pct") and not match.group("numtail") and not raw.startswith("$"):
            return Token("pct", raw, float(raw.replace(",", "")))
        return Token("number", match.group(0))
    value = int(raw.replace(",", ""))
    unit = _UNIT_AFTER.match(text, match.end())
    if unit and unit.group("pct"):
        return Token("pct", raw, float(value))
    if unit and unit.group("other"):
        return Token("number", raw)
    if "," not in raw and len(raw) == 4 and 1900 <= value <= 2099:
        return Token("year", raw, value)
    return Token("count", raw, value)
