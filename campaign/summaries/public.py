"""Published consultation results as data (the public API): the briefing's rules, as numbers or null.

Every figure follows suppression.py and present.py: a count of 1 to 4 people, or one withheld so
that a total cannot give such a count back, is ``null`` with a ``note``; questions answered by fewer
than 5 people carry no figures; medians need 10 answers; number ranges are widened at both ends;
rank scores need 5 rankings; where respondents live is given once, for the whole consultation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from campaign.consultations.definition import display_scale
from campaign.summaries.consultations import TEXT_TYPES, ConsultationSummary, QuestionSummary
from campaign.summaries.present import MIN_ANSWERS, MIN_FOR_MEDIAN
from campaign.summaries.suppression import FEWER_THAN, THRESHOLD, WITHHELD, hidden_cells, is_small, widened_ranges


def _people(count: int, hidden: bool) -> dict[str, Any]:
    if not hidden and not is_small(count):
        return {"people": count}
    return {"people": None, "note": FEWER_THAN if is_small(count) else WITHHELD}


def counted(rows: Sequence[tuple[dict[str, Any], int]], whole: int) -> list[dict[str, Any]]:
    """Each row's fields with its count (and share of ``whole``), hidden where the rules say."""
    hidden = hidden_cells([count for _, count in rows])
    result = []
    for index, (fields, count) in enumerate(rows):
        item = {**fields, **_people(count, index in hidden)}
        item["share"] = round(count / whole, 4) if whole and item["people"] is not None else None
        result.append(item)
    return result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def question_results(summary: QuestionSummary) -> dict[str, Any]:
    question = summary.question
    result: dict[str, Any] = {"key": question.key, "label": question.label, "type": question.type,
              "asked": None if is_small(summary.asked) else summary.asked,
              "answered": None if is_small(summary.answered) else summary.answered}  # fmt: skip
    if summary.answered < MIN_ANSWERS:
        result["note"] = f"fewer than {THRESHOLD} people answered: no figures are given"
        return result
    kind = question.type
    if kind in {"single_choice", "yes_no", "likert", "multiple_choice"}:
        result["answers"] = counted([({"code": c.code, "label": c.label}, c.count) for c in summary.counts],
                                    summary.answered)  # fmt: skip
        if kind == "likert":
            result["average"] = _round(summary.mean)
            result["median"] = summary.median if summary.answered >= MIN_FOR_MEDIAN else None
    elif kind == "matrix":
        result["statements"] = [_matrix_row(row.code, row.label, row.counts, row.answered, row.mean,
                                            list(display_scale(question.scale))) for row in summary.matrix]  # fmt: skip
    elif kind == "ranking":
        hidden = hidden_cells([row.first for row in summary.ranking])
        result["places"] = question.top or len(question.options)
        result["options"] = [
            {"code": row.code, "label": row.label,
             "score": None if is_small(row.ranked) else _round(row.score),
             "ranked_first": _people(row.first, index in hidden)["people"],
             "ranked": None if is_small(row.ranked) else row.ranked}
            for index, row in enumerate(summary.ranking)
        ]  # fmt: skip
    elif kind == "number":
        result["average"] = None if summary.mean is None else round(summary.mean, 1)
        result["median"] = summary.median if summary.answered >= MIN_FOR_MEDIAN else None
        ranges = widened_ranges(summary.histogram)
        result["ranges"] = counted([({"from": low, "below": high}, count) for low, high, count in ranges],
                                   summary.answered)  # fmt: skip
    elif kind in TEXT_TYPES:
        result["themes"] = [{"label": theme.label, "answers": theme.count} for theme in summary.themes
                            if theme.count >= THRESHOLD]  # fmt: skip
    elif kind == "postcode":
        result["note"] = "where respondents live is given once, in the consultation's areas"
    return result


def _matrix_row(code: str, label: str, counts: tuple[int, ...], answered: int, mean: float | None,
                scale: list[str]) -> dict[str, Any]:  # fmt: skip
    if answered < MIN_ANSWERS:
        return {"code": code, "label": label, "answered": None, "note": FEWER_THAN + " answered"}
    points = counted([({"point": n, "label": point}, count) for n, (point, count) in
                      enumerate(zip(scale, counts, strict=True), start=1)], answered)  # fmt: skip
    return {"code": code, "label": label, "answered": answered, "average": _round(mean), "points": points}


def consultation_results(summary: ConsultationSummary) -> dict[str, Any]:
    return {
        "responses": None if is_small(summary.total) else summary.total,
        "suppressed_below": THRESHOLD,
        "areas": counted([({"area": area}, count) for area, count in summary.by_area], summary.total),
        "questions": [question_results(question) for question in summary.questions],
    }
