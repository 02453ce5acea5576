"""How a release in sentences is parsed (2016-2019Q1).

Counts are tied to a model line ("12,420 Model S", "Model 3 production totaled 2,425") or to the
whole quarter ("delivered 14,820 vehicles"), production or delivery being the nearest verb before
the number. Numbers with units, dates, years, in-transit counts, weekly rates, full-year and other
quarters' figures are left out; when several candidates remain, the combination whose model lines
add up to the stated total wins. Also here: whether the deliveries are stated as approximate.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ...data.quarters import Quarter
from ...errors import IngestError
from .vocabulary import (
    ABBREVIATIONS,
    CLAUSE_WORDS,
    COMBINED_LINES,
    DELIVERED,
    DELIVERY_WORDS,
    DISTRACTOR_WORDS,
    LINE_ORDER,
    LINKING_WORDS,
    PRODUCED,
    PRODUCTION_WORDS,
    QUALIFIERS,
    TWO_WORD_QUALIFIERS,
    WHOLE_WORDS,
    Token,
    totals_mismatch,
)

# data/README.md, delivered_approx: exact counts from 2022, approximate figures before
EXACT_COUNTS_FROM = Quarter(2022, 1)
APPROX_CLOSE = 0.01  # a qualified lead figure this close to the total describes the deliveries
MAX_CHOICES = 4  # candidates per figure tried when looking for the combination that adds up


def parse_prose(tokens: list[Token], period: Quarter) -> tuple[dict[str, dict], dict]:
    """The model lines (in the usual order) and the total the sentences give for ``period``."""
    figures, sums = choose_figures(prose_candidates(tokens, period))
    figures = {label: figures[label] for label in LINE_ORDER if label in figures}
    return figures, dict(sums, lease_pct=None)


@dataclass(frozen=True)
class _Candidate:
    metric: str
    label: str | None  # None: the whole quarter (Total)
    value: int
    position: int
    penalty: int


def _sentences(tokens: list[Token]) -> list[list[Token]]:
    """Tokens grouped into sentences (ended by . ! ? or a paragraph break)."""
    sentences: list[list[Token]] = [[]]
    for index, token in enumerate(tokens):
        previous = tokens[index - 1] if index else None
        ends = token.kind == "brk" or (
            token.kind == "punct"
            and token.text in ".!?"
            and not (
                token.text == "."
                and previous is not None
                and previous.kind == "word"
                and previous.value in ABBREVIATIONS
            )
        )
        if ends:
            if sentences[-1]:
                sentences.append([])
        else:
            sentences[-1].append(token)
    return [s for s in sentences if s]


def _splits_segment(sentence: list[Token], index: int) -> bool:
    """True at , ; : ( ), dashes and dates, except round a lone count: "production (28,578)"."""
    token = sentence[index]
    if token.kind in ("dash", "date"):
        return True
    if token.kind != "punct":
        return False
    if token.text == "(":
        return not (
            index + 2 < len(sentence)
            and sentence[index + 1].kind == "count"
            and sentence[index + 2].text == ")"
        )
    if token.text == ")":
        return not (
            index >= 2 and sentence[index - 1].kind == "count" and sentence[index - 2].text == "("
        )
    return True


def _segments(sentence: list[Token]) -> list[list[int]]:
    """Indexes into ``sentence`` grouped into segments (split at punctuation and dashes)."""
    segments: list[list[int]] = [[]]
    for index in range(len(sentence)):
        if _splits_segment(sentence, index):
            if segments[-1]:
                segments.append([])
        else:
            segments[-1].append(index)
    return [s for s in segments if s]


def _clauses(sentence: list[Token], segment: list[int]) -> list[list[int]]:
    """A segment split at 'and', 'while', 'but'...: "53,239 Model 3 and 26,903 Model S and X"."""
    clauses: list[list[int]] = [[]]
    for index in segment:
        token = sentence[index]
        if token.kind == "word" and token.value in CLAUSE_WORDS:
            if clauses[-1]:
                clauses.append([])
        else:
            clauses[-1].append(index)
    return [c for c in clauses if c]


def _metric_word(token: Token) -> str | None:
    if token.kind != "word":
        return None
    if DELIVERY_WORDS.match(token.value):
        return DELIVERED
    if PRODUCTION_WORDS.match(token.value):
        return PRODUCED
    return None


def _metric_for(sentence: list[Token], index: int, clause: list[int]) -> str | None:
    """Production or delivery: the nearest such word before the number, else after it."""
    for token in reversed(sentence[:index]):
        if (metric := _metric_word(token)) is not None:
            return metric
    for position in clause:
        if position > index and (metric := _metric_word(sentence[position])) is not None:
            return metric
    return None


def _is_distractor(tokens: list[Token], period: Quarter) -> bool:
    """True for text about something else: in transit, rates, years, other quarters..."""
    for token in tokens:
        if token.kind == "year":
            return True
        if token.kind == "word" and (
            token.value in DISTRACTOR_WORDS
            or ("year" in token.value and token.value not in ("year-over-year", "yoy"))
        ):
            return True
        if token.kind == "quarter":
            number, year = token.value
            if number != period.quarter or (year is not None and year != period.year):
                return True
    return False


def _label_after(sentence: list[Token], index: int, clause: list[int]) -> str | None:
    """ "12,420 Model S", "15,200 were Model S": the label right after the number."""
    for position in clause:
        if position <= index:
            continue
        token = sentence[position]
        if token.kind == "label":
            return token.value
        if not (token.kind == "word" and token.value in LINKING_WORDS):
            return None
    return None


def _label_before(sentence: list[Token], index: int, clause: list[int]) -> str | None:
    """ "Model 3 production totaled 2,425": a label earlier in the clause, words between."""
    for position in reversed(clause):
        if position >= index:
            continue
        token = sentence[position]
        if token.kind == "label":
            return token.value
        if token.kind in ("count", "pct"):
            return None
    return None


def prose_candidates(tokens: list[Token], period: Quarter) -> list[_Candidate]:
    """Every count in the sentences that may be a production or delivery figure."""
    candidates: list[_Candidate] = []
    carried: str | None = None  # "Production totaled 34,494. 24,728 were Model S and X."
    carried_age = 0
    for sentence in _sentences(tokens):
        own_metrics = [m for t in sentence if (m := _metric_word(t)) is not None]
        fallback = None if own_metrics else carried
        _sentence_candidates(sentence, period, fallback, candidates)
        if own_metrics:
            carried, carried_age = own_metrics[-1], 0
        else:
            carried_age += 1
            carried = carried if carried_age < 3 else None
    return candidates


def _sentence_candidates(
    sentence: list[Token], period: Quarter, fallback: str | None, candidates: list[_Candidate]
) -> None:
    segments = _segments(sentence)
    penalty = int(_is_distractor(sentence, period))
    intro_noisy = False
    for segment in segments:  # "In the last seven days of the quarter, ..." colours the rest
        if any(sentence[i].kind == "count" for i in segment):
            break
        intro_noisy = intro_noisy or _is_distractor([sentence[i] for i in segment], period)
    subject: str | None = None
    for segment in segments:
        if intro_noisy or _is_distractor([sentence[i] for i in segment], period):
            subject = None
            continue
        for clause in _clauses(sentence, segment):
            clause_tokens = [sentence[i] for i in clause]
            whole = any(t.kind == "word" and t.value in WHOLE_WORDS for t in clause_tokens)
            for index in clause:
                if sentence[index].kind != "count":
                    continue
                metric = _metric_for(sentence, index, clause)
                label = _label_after(sentence, index, clause)
                if metric is None and label is not None:
                    metric = fallback  # "24,728 were Model S and X" after "Production was..."
                if label is None:
                    label = _label_before(sentence, index, clause)
                    if label is not None:
                        subject = label
                    elif subject is not None and not whole:
                        label = subject  # "Model 3 production totaled 260 and deliveries 220"
                if metric is not None:
                    candidates.append(
                        _Candidate(metric, label, sentence[index].value, len(candidates), penalty)
                    )
            if whole and not any(t.kind == "label" for t in clause_tokens):
                subject = None


def _expand(labels: set[str]) -> set[str]:
    """The model lines ``labels`` account for (``Model S/X`` covers S and X, and vice versa)."""
    covered = set(labels)
    for combined, parts in COMBINED_LINES.items():
        if combined in labels:
            covered.update(parts)
        if all(part in labels for part in parts):
            covered.add(combined)
    return covered


def choose_figures(candidates: list[_Candidate]) -> tuple[dict[str, dict], dict[str, int | None]]:
    """Pick one value per model line and metric, and the totals, preferring sums that match."""
    options: dict[str, dict[str | None, list[_Candidate]]] = {PRODUCED: {}, DELIVERED: {}}
    for candidate in sorted(candidates, key=lambda c: (c.penalty, c.position)):
        found = options[candidate.metric].setdefault(candidate.label, [])
        if candidate.value not in [c.value for c in found] and len(found) < MAX_CHOICES:
            found.append(candidate)
    for by_label in options.values():
        for combined, parts in COMBINED_LINES.items():
            if combined in by_label and all(part in by_label for part in parts):
                del by_label[combined]  # the sum of lines also given one by one
    all_lines = {label for by_label in options.values() for label in by_label if label}
    lines: dict[str, dict] = {}
    totals: dict[str, int | None] = {}
    for metric, by_label in options.items():
        line_labels = [label for label in by_label if label]
        complete = bool(line_labels) and _expand(set(line_labels)) >= all_lines
        best: tuple | None = None
        total_options = by_label.get(None) or [None]
        for choice in itertools.product(*(by_label[label] for label in line_labels), total_options):
            *picked, total = choice
            line_sum = sum(c.value for c in picked)
            if total is None:
                consistent = True
            else:
                consistent = line_sum == total.value if complete else line_sum <= total.value
            chosen = [c for c in choice if c is not None]
            score = (
                not consistent,
                sum(c.penalty for c in chosen),
                sum(c.position for c in chosen),
            )
            if best is None or score < best[0]:
                best = (score, picked, total, line_sum)
        (inconsistent, *_), picked, total, line_sum = best
        if inconsistent:
            raise IngestError(totals_mismatch(metric, line_sum, total.value))
        for label, candidate in zip(line_labels, picked, strict=True):
            lines.setdefault(label, {PRODUCED: None, DELIVERED: None, "lease_pct": None})
            lines[label][metric] = candidate.value
        if total is not None:
            totals[metric] = total.value
        else:
            totals[metric] = line_sum if complete else None
    return lines, totals


def _qualified(sentence: list[Token], index: int) -> bool:
    """True when the number at ``index`` is preceded by "approximately", "~", "just over"..."""
    before = sentence[max(0, index - 2) : index]
    if before and before[-1].kind == "tilde":
        return True
    words = [t.value if t.kind == "word" else None for t in before]
    return bool(words and words[-1] in QUALIFIERS) or tuple(words) in TWO_WORD_QUALIFIERS


def deliveries_approximate(
    tokens: list[Token], period: Quarter, delivered: list[int], total_delivered: int | None
) -> bool:
    """Whether the release's deliveries are approximate (the rule in data/README.md).

    From 2022 Tesla gives exact counts. Before, deliveries are approximate when a delivery figure
    is qualified ("approximately 97,000", "delivered over 241,000") or when every delivery figure
    is a round multiple of ten.
    """
    if period >= EXACT_COUNTS_FROM or not delivered:
        return False
    if all(value % 10 == 0 for value in delivered):
        return True
    for sentence in _sentences(tokens):
        for index, token in enumerate(sentence):
            if token.kind != "count" or not _qualified(sentence, index):
                continue
            if token.value in delivered:
                return True
            near_total = (
                total_delivered
                and abs(token.value - total_delivered) <= APPROX_CLOSE * total_delivered
            )
            if near_total and _metric_for(sentence, index, [index]) == DELIVERED:
                return True
    return False
