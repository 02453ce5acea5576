"""The plain-text table that ``deliveries metrics`` prints; figures are written by wording.py."""

from __future__ import annotations

from ..analysis.metrics import QuarterSummary
from .narrative import facts
from .wording import (
    NOT_AVAILABLE,
    count,
    percent,
    plain_percent,
    record_status,
    share,
    storage_amount,
    storage_record_status,
)


def metrics_text(summary: QuarterSummary) -> str:
    """The readable table printed by ``deliveries metrics`` without ``--json``."""
    approx = summary.delivered_approx
    rows = [
        ("Quarter", summary.quarter),
        ("Release date", summary.release_date or NOT_AVAILABLE),
        ("Produced", count(summary.produced)),
        ("Delivered", count(summary.delivered, approx)),
        (f"Production vs {summary.previous_quarter} (QoQ)", percent(summary.produced_qoq)),
        (f"Deliveries vs {summary.previous_quarter} (QoQ)", percent(summary.delivered_qoq)),
        (f"Production vs {summary.year_ago_quarter} (YoY)", percent(summary.produced_yoy)),
        (f"Deliveries vs {summary.year_ago_quarter} (YoY)", percent(summary.delivered_yoy)),
        ("Gap (produced - delivered)", count(summary.gap, signed=True)),
        (
            f"Cumulative gap since {summary.cumulative_gap_from or NOT_AVAILABLE}",
            count(summary.cumulative_gap, signed=True),
        ),
        ("Goal", count(summary.goal)),
        ("Shortfall (goal - delivered)", count(summary.shortfall, approx, signed=True)),
        ("Shortfall, % of goal", percent(summary.shortfall_fraction)),
    ]
    if approx and summary.shortfall is not None:
        rows.append(
            (
                "Shortfall range (+-0.5%)",
                f"{count(summary.shortfall_low)} .. {count(summary.shortfall_high)}",
            )
        )
    rows += _consensus_rows(summary)
    rows += [
        ("Production record", record_status(summary.record_produced)),
        ("Delivery record", record_status(summary.record_delivered)),
    ]
    rows += _storage_rows(summary)
    rows += [
        ("Deliveries year to date", count(summary.facts.delivered_ytd)),
        ("Same quarters a year before", count(summary.facts.delivered_ytd_prior)),
        ("Year to date vs a year before", percent(summary.facts.delivered_ytd_change)),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    lines.append("")
    lines.append(
        f"{'Model line':<14}{'Produced':>10}{'Delivered':>11}{'Gap':>9}{'Share':>8}"
        f"{'Lease':>7}{'Leased':>8}"
    )
    for model in summary.models:
        lines.append(
            f"{model.model_line:<14}{count(model.produced):>10}"
            f"{count(model.delivered, approx):>11}{count(model.gap, signed=True):>9}"
            f"{share(model.delivered_share_pct):>8}{plain_percent(model.lease_pct):>7}"
            f"{count(model.leased_estimate):>8}"
        )
    lines += ["", "Delivery-day facts:", *(f"- {text}" for text in facts(summary))]
    return "\n".join(lines)


def _storage_rows(summary: QuarterSummary) -> list[tuple[str, str]]:
    """Energy storage deployed, its growth and record, and the year so far."""
    s = summary.storage
    if s.mwh is None:
        return [("Storage deployed", "not in the data for this quarter")]
    where = {"release": "release", "update": "Update letter"}.get(s.stated_in, s.stated_in)
    return [
        ("Storage deployed", f"{storage_amount(s.mwh, s.as_stated)} (stated in the {where})"),
        (f"Storage vs {summary.previous_quarter} (QoQ)", percent(s.qoq)),
        (f"Storage vs {summary.year_ago_quarter} (YoY)", percent(s.yoy)),
        ("Storage record", storage_record_status(summary)),
        ("Storage year to date", storage_amount(s.ytd_mwh)),
        ("Storage, same quarters a year before", storage_amount(s.ytd_prior_mwh)),
    ]


def _consensus_rows(summary: QuarterSummary) -> list[tuple[str, str]]:
    """Consensus, how deliveries compared with it, and the spread of reported figures."""
    s = summary
    if s.consensus is None and s.consensus_low is None:
        return [("Consensus", "not available for this quarter")]
    rows = []
    if s.consensus is not None:
        rows += [
            ("Consensus", f"{count(s.consensus)} ({s.consensus_provider})"),
            (
                "Vs consensus (delivered - consensus)",
                count(s.vs_consensus, s.delivered_approx, signed=True),
            ),
            ("Vs consensus, % of consensus", percent(s.vs_consensus_fraction)),
        ]
        if s.delivered_approx and s.vs_consensus is not None:
            rows.append(
                (
                    "Vs consensus range (+-0.5%)",
                    f"{count(s.vs_consensus_low, signed=True)} .. "
                    f"{count(s.vs_consensus_high, signed=True)}",
                )
            )
    rows.append(
        (
            f"Consensus spread ({s.consensus_count} figures)",
            f"{count(s.consensus_low)} .. {count(s.consensus_high)}",
        )
    )
    return rows
