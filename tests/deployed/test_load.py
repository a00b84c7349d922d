"""Story: thirty seconds of the real mix (tests/load/locustfile.py) on the deployed portal.

The full runs (50 and 200 people for five minutes each) are `make load`; this
short one keeps the mix itself working and the portal free of 5xx under it.
"""
from tests.load.run import acceptable, report, run_locust


def test_thirty_seconds_of_the_real_mix_fail_under_one_percent_with_no_5xx(stack, tmp_path):
    summary = run_locust(stack.url, stack.ca_file, users=20, seconds=30, folder=tmp_path)

    assert summary["requests"] > 100, report(20, 30, summary)
    assert acceptable(summary), report(20, 30, summary) + "\n" + str(summary["by_request"])
