"""The hotline's benchmark, run as `python -m bench`: method, options and figures in README.md."""
