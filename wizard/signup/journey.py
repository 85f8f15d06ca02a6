"""The customer's journey through the steps, computed from stored answers alone. Pure.

A step applies (its condition holds for the answers so far) and is done (its answers are
stored). A customer may visit a step that applies when every applying step before it is done.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Protocol, Sequence

Answers = Mapping[str, Any]


class StepLike(Protocol):
    """What the journey needs to know of a step."""

    slug: str
    applies: Callable[[Answers], bool]
    done: Callable[[Answers], bool]


def visible(steps: Sequence[StepLike], answers: Answers) -> list[StepLike]:
    """The steps that apply to these answers, in order."""
    return [s for s in steps if s.applies(answers)]


def completed(steps: Sequence[StepLike], answers: Answers) -> list[str]:
    """Slugs of the applying steps that are done, up to the first one that is not."""
    out = []
    for step in visible(steps, answers):
        if not step.done(answers):
            break
        out.append(step.slug)
    return out


def first_unanswered(steps: Sequence[StepLike], answers: Answers) -> Optional[StepLike]:
    """The first applying step that is not done, or None when every one is."""
    return next((s for s in visible(steps, answers) if not s.done(answers)), None)


def can_visit(steps: Sequence[StepLike], answers: Answers, slug: str) -> bool:
    """True when `slug` applies and every applying step before it is done."""
    for step in visible(steps, answers):
        if step.slug == slug:
            return True
        if not step.done(answers):
            return False
    return False


def next_step(steps: Sequence[StepLike], answers: Answers, slug: str) -> Optional[StepLike]:
    """The applying step after `slug`, or None after the last."""
    shown = visible(steps, answers)
    slugs = [s.slug for s in shown]
    if slug not in slugs:
        return first_unanswered(steps, answers)
    i = slugs.index(slug)
    return shown[i + 1] if i + 1 < len(shown) else None


def previous_step(steps: Sequence[StepLike], answers: Answers, slug: str) -> Optional[StepLike]:
    """The applying step before `slug`, or None on the first."""
    shown = visible(steps, answers)
    slugs = [s.slug for s in shown]
    if slug not in slugs:
        return None
    i = slugs.index(slug)
    return shown[i - 1] if i > 0 else None


def counted(steps: Sequence[StepLike], answers: Answers) -> list[StepLike]:
    """The steps that apply, or may still apply once the questions before them are answered.

    A step may say so with `may_apply` (else `applies` is used): counting the longest path the
    answers so far allow, the total only goes down as the customer answers, never up.
    """
    return [s for s in steps if (getattr(s, "may_apply", None) or s.applies)(answers)]


def position(steps: Sequence[StepLike], answers: Answers, slug: str) -> tuple[int, int]:
    """(number of `slug` among the counted steps, how many are counted), for "Step 3 of 11".

    The number is truthful (every step before `slug` is decided); the total is the most steps
    the journey can still take, so it never grows while the customer goes on.
    """
    slugs = [s.slug for s in counted(steps, answers)]
    return slugs.index(slug) + 1, len(slugs)
