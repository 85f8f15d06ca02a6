"""The pure journey: which steps apply, which are done, where a customer may go."""
from dataclasses import dataclass
from typing import Callable

import pytest

from wizard.signup import journey
from wizard.signup.steps import BY_SLUG, STEPS


@dataclass
class S:
    slug: str
    done: Callable = lambda a: False
    applies: Callable = lambda a: True


STEPS_ABC = [S("a", done=lambda a: "a" in a), S("b", done=lambda a: "b" in a, applies=lambda a: a.get("a") == "yes"),
             S("c", done=lambda a: "c" in a)]


def test_first_unanswered_skips_steps_that_do_not_apply():
    assert journey.first_unanswered(STEPS_ABC, {}).slug == "a"
    assert journey.first_unanswered(STEPS_ABC, {"a": "no"}).slug == "c"
    assert journey.first_unanswered(STEPS_ABC, {"a": "yes"}).slug == "b"
    assert journey.first_unanswered(STEPS_ABC, {"a": "no", "c": 1}) is None


def test_completed_stops_at_the_first_gap():
    assert journey.completed(STEPS_ABC, {"a": "yes", "c": 1}) == ["a"]
    assert journey.completed(STEPS_ABC, {"a": "no", "c": 1}) == ["a", "c"]


def test_can_visit_only_up_to_first_unanswered():
    answers = {"a": "yes"}
    assert journey.can_visit(STEPS_ABC, answers, "a")
    assert journey.can_visit(STEPS_ABC, answers, "b")
    assert not journey.can_visit(STEPS_ABC, answers, "c")
    assert not journey.can_visit(STEPS_ABC, {"a": "no"}, "b")  # does not apply


def test_next_and_previous_follow_applying_steps():
    answers = {"a": "no", "c": 1}
    assert journey.next_step(STEPS_ABC, answers, "a").slug == "c"
    assert journey.previous_step(STEPS_ABC, answers, "c").slug == "a"
    assert journey.previous_step(STEPS_ABC, answers, "a") is None
    assert journey.next_step(STEPS_ABC, answers, "c") is None


def test_position_counts_applying_steps():
    assert journey.position(STEPS_ABC, {"a": "yes"}, "b") == (2, 3)
    assert journey.position(STEPS_ABC, {"a": "no"}, "c") == (2, 2)


# --- the wizard's own step conditions ------------------------------------------------------

def test_utility_step_only_when_the_zip_has_several():
    assert not BY_SLUG["utility"].applies({"utilities": ["oncor"]})
    assert BY_SLUG["utility"].applies({"utilities": ["oncor", "tnmp"]})


def test_new_and_existing_customers_take_different_steps():
    new = [s.slug for s in journey.visible(STEPS, {"customer_status": "new", "utilities": ["oncor"]})]
    existing = [s.slug for s in journey.visible(STEPS, {"customer_status": "existing", "utilities": ["oncor"]})]
    assert new == ["zip", "promo", "customer-type", "referral", "plans", "customer", "about-you", "premise",
                   "credentials", "review"]
    assert existing == ["zip", "promo", "customer-type", "referral", "plans", "customer", "sign-in", "premise",
                        "review"]
    another = [s.slug for s in journey.visible(STEPS, {"customer_status": "existing", "account_via": "session",
                                                       "another_premise": True, "utilities": ["oncor"]})]
    assert another == ["zip", "promo", "customer-type", "referral", "plans", "premise", "review"]


@pytest.mark.parametrize("answers,done", [
    ({"state": "TX", "first_name": "A"}, False),  # Texas needs the identity value
    ({"state": "TX", "first_name": "A", "identity_enc": "x"}, True),
    ({"state": "TX", "first_name": "A", "identity_enc": "x", "customer_type": "commercial"}, False),
    ({"state": "TX", "first_name": "A", "identity_enc": "x", "customer_type": "commercial", "business_name": "B"}, True),
])
def test_about_you_done_depends_on_state_and_customer_type(answers, done):
    assert BY_SLUG["about-you"].done(answers) is done


def test_zip_step_not_done_when_not_served():
    assert not BY_SLUG["zip"].done({"zip": "10001", "utilities": []})
    assert BY_SLUG["zip"].done({"zip": "75201", "utilities": ["oncor"]})


def test_review_is_never_done_before_submit():
    assert not BY_SLUG["review"].done({"anything": 1})


def test_counted_steps_assume_the_longest_path_until_answered():
    """The step counter's total: the most steps the answers so far allow, so it only goes down."""
    def total(answers):
        return len(journey.counted(STEPS, answers))

    assert total({}) == 11  # the ZIP may have two utilities; a new customer has the most steps
    assert total({"utilities": ["tnmp", "centerpoint"]}) == 11
    assert total({"utilities": ["oncor"]}) == 10
    assert total({"utilities": ["oncor"], "customer_status": "new"}) == 10
    assert total({"utilities": ["oncor"], "customer_status": "existing"}) == 9  # sign-in, no details
    assert total({"utilities": ["oncor"], "customer_status": "existing", "account_via": "session"}) == 8
    for answers in ({}, {"utilities": ["oncor"]}, {"utilities": ["oncor"], "customer_status": "existing"}):
        applying = {s.slug for s in journey.visible(STEPS, answers)}
        assert applying <= {s.slug for s in journey.counted(STEPS, answers)}  # never fewer than apply
