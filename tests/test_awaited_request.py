"""The AuthnRequest a captured response answers (InResponseTo check without --request-id): the one
it names, else the last one sent before it. The lists were rebuilt for every response of a capture
(a HAR of 4,000 logins: 1 s, growing with the square; found by the third fuzzing round)."""
from __future__ import annotations

import random
import time
from datetime import datetime, timedelta

from samlscan.engine import SentRequests

BASE = datetime(2025, 3, 11, 8, 0)


def _old_rule(requests, at):
    before = [i for t, i in requests if t is None or at is None or t <= at]
    return (before or [i for _, i in requests])[-1]


def test_the_last_request_before_a_response_is_the_one_the_rule_names():
    rnd = random.Random(3)
    for _ in range(5000):
        requests = [(None if rnd.random() < 0.2 else BASE + timedelta(seconds=rnd.randint(0, 10)), f"_r{k}")
                    for k in range(rnd.randint(1, 8))]
        at = None if rnd.random() < 0.1 else BASE + timedelta(seconds=rnd.randint(-1, 11))
        assert SentRequests(requests).last_before(at) == _old_rule(requests, at)


def test_many_responses_of_one_capture_are_answered_in_log_time():
    requests = SentRequests([(BASE + timedelta(seconds=k), f"_r{k}") for k in range(20000)])
    start = time.process_time()
    found = [requests.last_before(BASE + timedelta(seconds=k, milliseconds=500)) for k in range(20000)]
    assert time.process_time() - start < 1.0
    assert found[0] == "_r0" and found[-1] == "_r19999" and "_r5" in requests.ids
