"""RQ jobs and the worker: the hotline's slow work, off the webhook path."""
