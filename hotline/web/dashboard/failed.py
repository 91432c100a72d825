"""Failed background jobs, for the engineer on call: which, when, why (never their arguments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from hotline.logs import redact
from hotline.permissions import Permission
from hotline.web.dashboard.blueprint import bp
from hotline.web.dashboard.roles import needs
from hotline.web.resources import hotline

FAILED_SHOWN = 100


@dataclass(frozen=True)
class FailedJob:
    """What the dashboard shows of one failed RQ job: never its arguments."""

    id: str
    function: str
    failed_at: datetime | None
    error: str


@bp.get("/failed")
@needs(Permission.FAILED_JOBS)
def failed() -> str:
    """Failed RQ jobs, newest first: id, function, when, and the exception's last line."""
    return render_template("failed.html", jobs=failed_jobs(), limit=FAILED_SHOWN)


def failed_jobs() -> list[FailedJob]:
    """The most recent failed jobs of the hotline's queue (never their arguments)."""
    registry = _failed_registry()
    ids = registry.get_job_ids(0, FAILED_SHOWN - 1, desc=True)
    jobs = Job.fetch_many(ids, connection=registry.connection, serializer=JSONSerializer)
    return [_failed_job(job) for job in jobs if job is not None]


def _failed_registry() -> FailedJobRegistry:
    return FailedJobRegistry(queue=hotline().queue)


def _failed_job(job: Job) -> FailedJob:
    result = job.latest_result()
    trace = (result.exc_string if result else "") or ""
    last = trace.strip().splitlines()[-1] if trace.strip() else "(no exception recorded)"
    failed_at = result.created_at if result else job.ended_at
    # A job's exception could quote a number; the page gets the same redaction as the logs.
    return FailedJob(job.id, job.func_name or "?", failed_at, redact(last))


def failed_count() -> int:
    """How many jobs failed for good (and are kept for a week)."""
    return _failed_registry().count
