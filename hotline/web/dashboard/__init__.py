"""The social workers' dashboard: log in, see the call-back queue, claim, call, record how it went."""

from hotline.web.dashboard import (  # noqa: F401  (their views join the blueprint)
    audit_log,
    auth,
    failed,
    reports,
    request_page,
    requests,
    roles,
    staff,
)
from hotline.web.dashboard.blueprint import bp, init_dashboard

__all__ = ["bp", "init_dashboard"]
