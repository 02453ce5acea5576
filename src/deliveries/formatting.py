"""How figures are written for people: thousands separators, signed percentages, n/a."""

from __future__ import annotations

from .metrics import QuarterSummary

NOT_AVAILABLE = "n/a"


def count(value: int | None, approx: bool = False, signed: bool = False) -> str:
    """``97000`` -> ``97,000`` (``~97,000`` when approximate); None -> ``n/a``."""
    if value is None:
        return NOT_AVAILABLE
    text = f"{value:+,}" if signed else f"{value:,}"
    if signed:
        text = text.replace("-", "\u2212")
    return f"~{text}" if approx else text


def percent(fraction: float | None, signed: bool = True, digits: int = 1) -> str:
    """``0.10462`` -> ``+10.5%``; None -> ``n/a``."""
    if fraction is None:
        return NOT_AVAILABLE
    value = fraction * 100
    if round(value, digits) == 0:
        value = 0.0
    text = f"{value:+.{digits}f}%" if signed else f"{value:.{digits}f}%"
    return text.replace("-", "\u2212")


def plain_percent(value: float | None, digits: int = 0) -> str:
    """A percentage already in percent units: ``15.0`` -> ``15%``."""
    if value is None:
        return NOT_AVAILABLE
    return f"{value:.{digits}f}%"


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
    rows += [
        ("Production record", _record_text(summary.record_produced)),
        ("Delivery record", _record_text(summary.record_delivered)),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    lines.append("")
    lines.append(
        f"{'Model line':<14}{'Produced':>10}{'Delivered':>11}{'Gap':>9}{'Share':>8}"
        f"{'Lease':>7}{'Leased':>8}"
    )
    for model in summary.models:
        share = "" if model.delivered_share_pct is None else f"{model.delivered_share_pct:.1f}%"
        lines.append(
            f"{model.model_line:<14}{count(model.produced):>10}"
            f"{count(model.delivered, approx):>11}{count(model.gap, signed=True):>9}"
            f"{share or NOT_AVAILABLE:>8}{plain_percent(model.lease_pct):>7}"
            f"{count(model.leased_estimate):>8}"
        )
    return "\n".join(lines)


def _record_text(record) -> str:
    if record.is_record is None:
        return NOT_AVAILABLE
    previous = f"{record.previous_quarter}, {record.previous_value:,}"
    return f"yes (previous: {previous})" if record.is_record else f"no (record: {previous})"
