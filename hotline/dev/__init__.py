"""Tools for a developer's machine and the tests: never imported by the running hotline."""
