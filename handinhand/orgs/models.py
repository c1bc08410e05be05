from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handinhand.core.models import VersionedModel
from handinhand.core.scope import Scope, get_scope
from handinhand.orgs import hooks
from handinhand.orgs.credit_code import validate_credit_code

if TYPE_CHECKING:
    from handinhand.accounts.models import User


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("设区市")
    COUNTY = "county", _("县（市、区）")


class RegionQuerySet(models.QuerySet["Region"]):
    def visible_to(self, user: User) -> RegionQuerySet:
        scope = get_scope(user)
        if scope.everything:
            return self
        if not scope.is_business:
            return self.none()
        # A user sees the subtrees of their scope and the regions above them, for navigation.
        return self.filter(scope.region_q("path") | Q(code__in=scope.ancestor_codes))

    def under(self, region: Region) -> RegionQuerySet:
        return self.filter(path__startswith=region.path)


class Region(models.Model):
    """行政区划, GB/T 2260. `path` is the codes from the province down, for subtree queries."""

    code = models.CharField(
        _("区划代码"), max_length=6, primary_key=True, validators=[RegexValidator(r"^\d{6}$")]
    )
    name = models.CharField(_("名称"), max_length=50)
    level = models.CharField(_("级别"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=100, db_index=True, editable=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        if self.level == RegionLevel.COUNTY and self.parent_id:
            return f"{self.parent.name}{self.name}" if self.parent else self.name
        return self.name

    @property
    def ancestor_codes(self) -> list[str]:
        return [code for code in self.path.strip("/").split("/") if code and code != self.code]


class Recognition(models.TextChoices):
    MODEL_SCHOOL = "示范校", _("党建工作示范高校")
    BENCHMARK_DEPT = "标杆院系", _("党建工作标杆院系")
    MODEL_BRANCH = "样板支部", _("党建工作样板支部")


class UniversityQuerySet(models.QuerySet["University"]):
    def visible_to(self, user: User) -> UniversityQuerySet:
        scope = get_scope(user)
        if scope.everything:
            return self
        if not scope.is_business:
            return self.none()
        led = hooks.visible_groups.get()(user).filter(lead_university__isnull=False)
        return self.filter(Q(pk__in=led.values("lead_university")) | Q(pk__in=scope.university_ids))


class University(VersionedModel):
    name = models.CharField(_("高校名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    code = models.CharField(
        _("学校标识码"),
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^\d{10}$", _("学校标识码应为10位数字"))],
    )
    city = models.ForeignKey(
        Region,
        verbose_name=_("所在城市"),
        on_delete=models.PROTECT,
        related_name="universities",
        limit_choices_to={"level": RegionLevel.CITY},
    )
    party_secretary = models.CharField(_("党委书记"), max_length=50, blank=True)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)

    objects = UniversityQuerySet.as_manager()

    class Meta:
        verbose_name = _("高校")
        verbose_name_plural = _("高校")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class UniversityRecognition(VersionedModel):
    """示范校、标杆院系、样板支部 — why a university was chosen to lead guidance (R1)."""

    university = models.ForeignKey(
        University, verbose_name=_("高校"), on_delete=models.CASCADE, related_name="recognitions"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Recognition.choices)
    unit_name = models.CharField(_("单位名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("认定年度"), validators=[MinValueValidator(2000)])

    class Meta:
        verbose_name = _("党建示范认定")
        verbose_name_plural = _("党建示范认定")
        ordering = ["university", "-year", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["university", "kind", "unit_name"], name="recognition_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.university} {self.get_kind_display()} {self.unit_name}"


class SchoolType(models.TextChoices):
    PRIMARY = "小学", _("小学")
    JUNIOR = "初中", _("初中")
    SENIOR = "高中", _("高中")
    COMPLETE = "完全中学", _("完全中学")
    NINE_YEAR = "九年一贯制", _("九年一贯制学校")
    TWELVE_YEAR = "十二年一贯制", _("十二年一贯制学校")
    VOCATIONAL = "中职", _("中等职业学校")


class PartyOrgForm(models.TextChoices):
    COMMITTEE = "党委", _("党委")
    GENERAL_BRANCH = "党总支", _("党总支")
    BRANCH = "党支部", _("党支部")


class SchoolQuerySet(models.QuerySet["School"]):
    def visible_to(self, user: User) -> SchoolQuerySet:
        return self.in_scope(get_scope(user))

    def in_scope(self, scope: Scope) -> SchoolQuerySet:
        if scope.everything:
            return self
        if not scope.is_business:
            return self.none()
        # Measured on the nation workload (220,000 schools, benchmarks/scope_plans.py, the
        # demo instructor: 729 schools): the old `county.path LIKE … OR id IN (…)` joins the
        # region table and can serve neither side of the OR from an index (first page 93 ms,
        # count 155 ms). Two indexable forms were compared: a maintained group→school table,
        # read as a semi-join on its (group, school) index (4 ms, 12 ms), and the counties of
        # the scope's paths, found once per scope through the path's varchar_pattern_ops index
        # and matched on the school's own county column (6 ms, 5 ms). The county list was
        # chosen: as fast, and it needs no table that every pairing, district, school move and
        # import must keep in step; it is the same filter for region staff and school users.
        # Schools outside the counties are few (a school user's own): without them the filter
        # is the county list alone, read in order from the county index (the list's sort).
        if not scope.outside_school_ids:
            return self.filter(county_id__in=scope.county_codes)
        if not scope.county_codes:
            return self.filter(pk__in=scope.outside_school_ids)
        return self.filter(Q(county_id__in=scope.county_codes) | Q(pk__in=scope.outside_school_ids))


phone_validator = RegexValidator(
    r"^[0-9+\-() ]{7,20}$", _("联系电话只能包含数字、空格和 +-()，长度 7–20 位")
)


class School(VersionedModel):
    """中小学校. The unified social credit code is the natural key used by imports."""

    name = models.CharField(_("学校名称"), max_length=100, db_index=True)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    county = models.ForeignKey(
        Region,
        verbose_name=_("所属县（市、区）"),
        on_delete=models.PROTECT,
        related_name="schools",
        limit_choices_to={"level": RegionLevel.COUNTY},
    )
    school_type = models.CharField(_("学校类型"), max_length=10, choices=SchoolType.choices)
    party_org_form = models.CharField(_("党组织形式"), max_length=5, choices=PartyOrgForm.choices)
    secretary = models.CharField(_("党组织书记"), max_length=50, blank=True)
    principal = models.CharField(_("校长"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("联系电话"), max_length=20, blank=True, validators=[phone_validator]
    )
    student_count = models.PositiveIntegerField(_("学生数"), default=0)
    teacher_count = models.PositiveIntegerField(_("教职工数"), default=0)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        ordering = ["county_id", "name"]
        indexes = [models.Index(fields=["county", "name"]), models.Index(fields=["school_type"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(student_count__lte=100000) & Q(teacher_count__lte=20000),
                name="school_counts_plausible",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.county_id and self.county.level != RegionLevel.COUNTY:
            raise ValidationError({"county": _("学校必须属于县（市、区）级行政区划")})


class UnitKind(models.TextChoices):
    UNIVERSITY = "university", _("高校")
    OTHER = "other", _("其他单位")


class UnitQuerySet(models.QuerySet["Unit"]):
    def visible_to(self, user: User) -> UnitQuerySet:
        from handinhand.core.scope import get_scope

        scope = get_scope(user)
        if scope.everything:
            return self
        if not scope.is_business:
            return self.none()
        own = getattr(user, "unit_id", None)
        return self.filter(Q(pk__in=scope.unit_ids) | Q(pk=own or 0))


def best_region(text: str, regions: list[tuple[str, str, str, str]]) -> str | None:
    """The code of the region a unit's name most likely lies in, or None.

    `regions` are (code, name, level, parent code). The deepest region whose name appears in
    the text wins; a county also named with its city ("萍乡市湘东区教育局") beats one that is
    not, so that two counties of one name in different cities are told apart."""
    depth = {"province": 0, "city": 1, "county": 2}
    names = {code: name for code, name, _level, _parent in regions}
    best: tuple[int, int, int, str] | None = None
    for code, name, level, parent in regions:
        short = name.removesuffix("省").removesuffix("市") if len(name) > 2 else name
        if name not in text and not (len(short) >= 2 and short in text):
            continue
        parent_named = 1 if parent and names.get(parent, "\0") in text else 0
        key = (depth.get(level, 0), parent_named, len(name), code)
        if best is None or key > best:
            best = key
    return best[3] if best else None


class Unit(VersionedModel):
    """单位: the organisation a person belongs to (所在单位) — a university, or another
    organisation with its region. Priorities of 优秀 instructors are honoured by it (R10)."""

    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    kind = models.CharField(
        _("单位类别"), max_length=12, choices=UnitKind.choices, default=UnitKind.OTHER
    )
    university = models.OneToOneField(
        University,
        verbose_name=_("高校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="unit",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在地区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                name="unit_university_matches_kind",
                condition=Q(kind="university", university__isnull=False)
                | Q(kind="other", university__isnull=True),
                violation_error_message=_("高校类单位须关联高校，其他单位不关联高校"),
            )
        ]

    def __str__(self) -> str:
        return self.name
