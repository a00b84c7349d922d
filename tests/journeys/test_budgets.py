"""A journey's budget fails once a change makes the way longer, and says what was done."""
import pytest

from tests.journeys.person import Journey


def test_a_budget_passes_within_its_count_and_fails_past_it_naming_each_action():
    trip = Journey("budget-test", browser=None, base="", width=1280)
    with trip.budget("verifying a contribution", 3):
        for link in ("waiting for verification", "the contribution", "Verifikasi"):
            trip.count(f"officer: click {link!r}")
    with pytest.raises(AssertionError) as failed:
        with trip.budget("verifying a contribution", 3):
            for link in ("Menu", "Kontribusi", "the contribution", "Verifikasi"):
                trip.count(f"officer: click {link!r}")
    assert "verifying a contribution: 4 actions, at most 3" in str(failed.value)
    assert "1. officer: click 'Menu'" in str(failed.value)


def test_budgets_nest_and_each_counts_what_happened_inside_it():
    trip = Journey("budget-test", browser=None, base="", width=360)
    with trip.budget("the whole journey", 3) as whole:
        trip.count("director: click 'Kontribusi'")
        with trip.budget("the evidence", 1) as evidence:
            trip.count("director: upload foto.jpg")
    assert (len(whole.done), len(evidence.done)) == (2, 1)
