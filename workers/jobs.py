"""The jobs under their old names, for jobs queued before they moved to `hotline.outbound.jobs`.

RQ stores a job's function by dotted name: the daily purge is always scheduled a day ahead, so
a deployment that moved the jobs would otherwise leave it (and any retry in flight) unrunnable.
"""

from hotline.outbound.jobs import alert_staff, file_callback, final_notice, purge, send_section

__all__ = ["alert_staff", "file_callback", "final_notice", "purge", "send_section"]
