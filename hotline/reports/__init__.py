"""Reports: what the hotline did, counted per day, with nothing that points at a person.

`tally` says what each event counts; `counters` keeps the counts in the queue's Redis;
`figures` turns a date range of counts into the report; `formats` and `charts` show it.
`live` reads what /metrics needs at scrape time.
"""
