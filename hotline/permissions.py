"""Who may do what: the one table the dashboard and the command line both check."""

from __future__ import annotations

from enum import StrEnum

from hotline.stores.staff import Role


class Permission(StrEnum):
    QUEUE = "work the call-back queue: claim, release, call, record outcomes, add notes to and schedule one's own claims"
    ANY_REQUEST = "open any request, claimed by anyone, and add notes to or schedule it"
    REASSIGN = "hand a claimed request to a colleague"
    AUDIT = "read the audit trail"
    FAILED_JOBS = "see failed background jobs"
    REPORTS = "see the reports (counts of what the hotline did) and their CSV"
    MANAGE_SOCIAL_WORKERS = "add, disable, enable, remove, log out social workers; reset their passwords and second factors"
    MANAGE_SUPERVISORS = "the same for supervisors and admins, and change anyone's role"


# The least role each permission needs (each role has every permission of the roles below it).
LEAST_ROLE = {
    Permission.QUEUE: Role.SOCIAL_WORKER,
    Permission.ANY_REQUEST: Role.SUPERVISOR,
    Permission.REASSIGN: Role.SUPERVISOR,
    Permission.AUDIT: Role.SUPERVISOR,
    Permission.FAILED_JOBS: Role.SUPERVISOR,
    Permission.REPORTS: Role.SUPERVISOR,
    Permission.MANAGE_SOCIAL_WORKERS: Role.SUPERVISOR,
    Permission.MANAGE_SUPERVISORS: Role.ADMIN,
}


def allows(role: Role, permission: Permission) -> bool:
    """Whether `role` has `permission`."""
    return role.at_least(LEAST_ROLE[permission])


def may_manage(role: Role, target: Role) -> bool:
    """Whether someone of `role` may change an account of role `target` (or give that role)."""
    needed = (
        Permission.MANAGE_SOCIAL_WORKERS
        if target is Role.SOCIAL_WORKER
        else Permission.MANAGE_SUPERVISORS
    )
    return allows(role, needed)
