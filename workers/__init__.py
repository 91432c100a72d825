"""The RQ worker's entry points: its settings (`--config workers.rq_settings`) and the jobs' old names."""
