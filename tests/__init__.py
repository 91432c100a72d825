"""The hotline's tests. `pytest` runs all but the long scenarios (`pytest -m slow` runs those).

    flows/        the pure engine and its content (mirrors flows/)
    hotline/      one test module per module of hotline/, in the same folders
                  (web/, stores/, outbound/, cli/)
    scenarios/    end to end: whole conversations through the app, TOML transcripts (both
                  channels), the dashboard in a real browser, several processes, Sentinel
    faults/       fault suites: forged and duplicate webhooks, bursts, Redis down or killed,
                  workers killed, fuzzing
    test_architecture.py  the house rules over the whole tree (import cycles, a pure engine)
    test_layout.py        this layout's own rules
    support.py    helpers the tests import by name: signed Twilio requests, `Phone`, staff,
                  call-back requests, `run_jobs`
    conftest.py   fixtures built from support.py: the private Redis, the Twilio stand-in,
                  `settings`, `app`, `flows`, `staff`, `phone`, `caller`

Every folder is a package (it has an `__init__.py`), so a test module's name is unique
(`tests.hotline.web.test_twiml`) and no test folder shadows the package it mirrors.
"""
