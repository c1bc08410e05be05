"""The programme's policy (DESIGN §4): loaded once from a TOML file and validated.

Every number of the programme is read from here, so that another batch or province changes the
file, not the code. A policy that does not validate stops start-up with the offending field.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError, model_validator

GroupLevel = Literal["province", "city", "county"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GroupsPolicy(_Strict):
    instructors_per_group: PositiveInt
    levels: list[GroupLevel] = Field(min_length=1)
    member_roles: list[str] = Field(min_length=1)


class GradeBand(_Strict):
    name: str = Field(min_length=1)
    min_score: float = Field(ge=0)


EvidenceType = Literal["pdf", "jpg", "png", "docx", "xlsx"]


class IndicatorsPolicy(_Strict):
    level_counts: list[PositiveInt] = Field(min_length=3, max_length=3)
    total_score: float = Field(gt=0)
    score_step: float = Field(gt=0)
    # When a school must explain its self-assessed score: always, only below the maximum, never.
    explanation_required: Literal["always", "below_max", "never"] = "below_max"
    evidence_types: list[EvidenceType] = Field(
        default=["pdf", "jpg", "png", "docx", "xlsx"], min_length=1
    )
    evidence_max_mb: float = Field(default=10, gt=0, le=200)
    # Grades of a school's total, highest first; the last band must start at 0.
    grade_bands: list[GradeBand] = Field(
        default=[
            GradeBand(name="优秀", min_score=90),
            GradeBand(name="良好", min_score=80),
            GradeBand(name="合格", min_score=60),
            GradeBand(name="不合格", min_score=0),
        ],
        min_length=1,
    )

    @model_validator(mode="after")
    def _counts_grow(self) -> IndicatorsPolicy:
        a, b, c = self.level_counts
        if not a <= b <= c:
            raise ValueError("level_counts must not shrink from level 1 to level 3")
        mins = [band.min_score for band in self.grade_bands]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins) or mins[-1] != 0:
            raise ValueError("grade_bands must go down strictly and end at min_score 0")
        return self


class MeetingRule(_Strict):
    kind: str = Field(min_length=1)
    name: str = Field(min_length=1)
    group_levels: list[GroupLevel] = Field(min_length=1)
    period: Literal["semester", "quarter"]
    minimum: PositiveInt


class Period(_Strict):
    name: str
    start: str = Field(pattern=r"^\d{2}-\d{2}$")
    end: str = Field(pattern=r"^\d{2}-\d{2}$")


def _day_of_year(month_day: str) -> int:
    month, day = (int(x) for x in month_day.split("-"))
    # A leap year, so that 02-29 is a valid boundary.
    return (date(2024, month, day) - date(2024, 1, 1)).days


def _check_cover(periods: list[Period], what: str) -> None:
    """Every day of a (leap) year must fall in exactly one period: no gap, no overlap."""
    covered = [0] * 366
    for period in periods:
        try:
            start, end = _day_of_year(period.start), _day_of_year(period.end)
        except ValueError as exc:
            raise ValueError(f"{what}: {period.name} has an impossible date") from exc
        days = range(start, end + 1) if start <= end else [*range(start, 366), *range(0, end + 1)]
        for day in days:
            covered[day] += 1
    for day, count in enumerate(covered):
        if count != 1:
            when = date.fromordinal(date(2024, 1, 1).toordinal() + day).strftime("%m-%d")
            problem = "a gap" if count == 0 else "an overlap"
            raise ValueError(f"{what} leave {problem} on {when}")


class CalendarPolicy(_Strict):
    semesters: list[Period] = Field(min_length=1)
    quarters: list[Period] = Field(min_length=1)

    @model_validator(mode="after")
    def _cover_the_year(self) -> CalendarPolicy:
        _check_cover(self.semesters, "semesters")
        _check_cover(self.quarters, "quarters")
        return self


class ReportsPolicy(_Strict):
    due_month: int = Field(ge=1, le=12)
    due_day: int = Field(ge=1, le=31)


class AssessmentPolicy(_Strict):
    grades: list[str] = Field(min_length=2)
    top_grade: str
    top_grade_max_share: float = Field(gt=0, le=1)
    priority_areas: list[str]

    @model_validator(mode="after")
    def _top_is_a_grade(self) -> AssessmentPolicy:
        if self.top_grade not in self.grades:
            raise ValueError("top_grade must be one of grades")
        return self


class ResearchPolicy(_Strict):
    separate_quota: bool
    priority_approval: bool
    quota_per_call: int = Field(ge=0)


class FundingPolicy(_Strict):
    per_member_per_year: float = Field(ge=0)
    currency: Literal["CNY"]


class TrainingPolicy(_Strict):
    min_hours_per_year: float = Field(ge=0, le=1000)
    # Training materials (课件、通知): largest upload and the file types accepted.
    max_material_mb: float = Field(default=20, gt=0, le=200)
    material_types: list[str] = Field(
        default=["pdf", "doc", "docx", "ppt", "pptx", "xls", "xlsx", "jpg", "jpeg", "png"],
        min_length=1,
    )


class BrandsPolicy(_Strict):
    stages: list[str] = Field(min_length=2)


AttachmentType = Literal["jpg", "png", "gif", "pdf", "docx", "xlsx", "pptx"]


class GuidancePolicy(_Strict):
    """Guidance visits (指导活动): the forms a visit may take, the yearly minimum of visits per
    school, and what may be attached to a visit record."""

    visit_forms: list[str] = Field(
        default=["实地指导", "线上指导", "专题党课", "调研座谈", "示范观摩", "其他"], min_length=1
    )
    min_visits_per_school_per_year: int = Field(default=2, ge=0, le=365)
    attachment_types: list[AttachmentType] = Field(
        default=["jpg", "png", "pdf", "docx", "xlsx"], min_length=1
    )
    attachment_max_mb: float = Field(default=20, gt=0, le=200)


class RemindersPolicy(_Strict):
    # A to-do is created when the current period has this many days left and is not yet met.
    days_before_period_end: int = Field(default=14, ge=0, le=366)


class ImportsPolicy(_Strict):
    max_file_mb: float = Field(gt=0, le=200)
    max_rows: PositiveInt
    # What the file's zip members may unpack to in all: a 50,000-row roster is about 30 MB.
    max_unpacked_mb: float = Field(default=100, gt=0, le=2000)
    # Reading and checking one file stops after this long (a worker is not held for minutes).
    max_seconds: float = Field(default=60, gt=0, le=3600)


class Policy(_Strict):
    version: str
    name: str
    province_code: str = Field(pattern=r"^\d{2}0000$")
    groups: GroupsPolicy
    indicators: IndicatorsPolicy
    meetings: list[MeetingRule] = Field(min_length=1)
    calendar: CalendarPolicy
    reports: ReportsPolicy
    assessment: AssessmentPolicy
    research: ResearchPolicy
    funding: FundingPolicy
    training: TrainingPolicy
    brands: BrandsPolicy
    imports: ImportsPolicy
    reminders: RemindersPolicy = RemindersPolicy()
    # Additive (issue 4): a policy file without [guidance] takes the defaults above.
    guidance: GuidancePolicy = GuidancePolicy()


def parse_policy(text: str, source: str = "policy") -> Policy:
    """Parse and validate policy text; raise ImproperlyConfigured naming the bad field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ImproperlyConfigured(f"Policy {source} is not valid TOML: {exc}") from exc
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ImproperlyConfigured(f"Policy {source} is invalid — {problems}") from exc


def load_policy(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImproperlyConfigured(f"Policy file {path} cannot be read: {exc}") from exc
    return parse_policy(text, str(path))


@lru_cache(maxsize=1)
def get_policy() -> Policy:
    return load_policy(Path(settings.POLICY_FILE))
