"""Writes to indicator frameworks. Only the province admin edits them, and only drafts: a
published framework never changes (a new version is a copy)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, DecimalField, F, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from handinhand.accounts.models import User
from handinhand.core import audit
from handinhand.core.exceptions import (
    ConflictError,
    PermissionDeniedError,
    ServiceValidationError,
)
from handinhand.core.jobs import job_enqueue, job_fail, job_finish, job_progress, job_running
from handinhand.core.models import AuditAction
from handinhand.core.policy import get_policy
from handinhand.core.services import create_object, delete_object, update_object
from handinhand.core.uploads import check_file
from handinhand.indicators import (
    tasks,  # a module import: tasks imports this module too
    workflow,
)
from handinhand.indicators.access import can_edit_frameworks as can_edit_frameworks
from handinhand.indicators.models import (
    CycleJob,
    CycleScope,
    CycleStatus,
    Evaluation,
    EvaluationCycle,
    EvaluationStatus,
    EvaluationSummary,
    EvidenceFile,
    Framework,
    FrameworkStatus,
    Indicator,
    IndicatorAggregate,
    L1Score,
    Score,
)
from handinhand.indicators.sample import SAMPLE_EDITION, SAMPLE_NAME, sample_nodes
from handinhand.indicators.scoring import final_scores, grade_for
from handinhand.indicators.structure import Node, rollup, structure_errors
from handinhand.orgs.models import Region, School
from handinhand.programme.models import Batch, Pairing

FRAMEWORK_FIELDS = ("name", "edition", "total_score", "description")
INDICATOR_FIELDS = (
    "code",
    "level",
    "parent",
    "title",
    "max_score",
    "guidance",
    "evidence",
    "order",
)


def _require_admin(actor: User) -> None:
    if not can_edit_frameworks(actor):
        raise PermissionDeniedError(_("仅省委教育工委管理员可维护指标体系"))


def _require_draft(framework: Framework) -> None:
    if not framework.is_draft:
        raise ServiceValidationError(_("指标体系已发布，不能再修改；如需调整请复制为新版本。"))


def framework_create(
    *,
    actor: User,
    name: str,
    edition: str,
    total_score: Decimal | None = None,
    description: str = "",
    is_sample: bool = False,
) -> Framework:
    _require_admin(actor)
    if total_score is None:
        total_score = Decimal(str(get_policy().indicators.total_score))
    return create_object(
        actor=actor,
        instance=Framework(
            name=name,
            edition=edition,
            total_score=total_score,
            description=description,
            is_sample=is_sample,
        ),
    )


def framework_update(
    *, actor: User, framework: Framework, data: dict[str, Any], expected_version: int | None
) -> Framework:
    _require_admin(actor)
    _require_draft(framework)
    unknown = set(data) - set(FRAMEWORK_FIELDS)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    return update_object(
        actor=actor, instance=framework, data=data, expected_version=expected_version
    )


# --- indicators in a draft --------------------------------------------------------------------


def _check_indicator(framework: Framework, fields: dict[str, Any]) -> None:
    """The rules one indicator must follow on its own; the whole shape is framework_validate's."""
    errors: dict[str, list[str]] = {}
    level, parent = fields.get("level"), fields.get("parent")
    if parent is not None and parent.framework_id != framework.pk:
        errors.setdefault("parent", []).append(_("上级指标必须属于同一指标体系"))
    elif level == 1 and parent is not None:
        errors.setdefault("parent", []).append(_("一级指标不应有上级指标"))
    elif level in (2, 3) and parent is None:
        errors.setdefault("parent", []).append(_("二级、三级指标必须选择上级指标"))
    elif level in (2, 3) and parent is not None and parent.level != level - 1:
        errors.setdefault("parent", []).append(
            _("%(level)d级指标的上级应为%(want)d级指标") % {"level": level, "want": level - 1}
        )
    score = fields.get("max_score")
    if level == 3 and (score is None or score <= 0):
        errors.setdefault("max_score", []).append(_("三级指标须填写大于 0 的分值"))
    if level in (1, 2) and score is not None:
        errors.setdefault("max_score", []).append(_("仅三级指标设分值，请留空"))
    if errors:
        raise ServiceValidationError(errors)


def indicator_create(*, actor: User, framework: Framework, **fields: Any) -> Indicator:
    _require_admin(actor)
    _require_draft(framework)
    fields = {k: v for k, v in fields.items() if k in INDICATOR_FIELDS}
    _check_indicator(framework, fields)
    if not fields.get("order"):
        last = framework.indicators.aggregate(m=Max("order"))["m"] or 0
        fields["order"] = last + 1
    return create_object(actor=actor, instance=Indicator(framework=framework, **fields))


def indicator_update(
    *, actor: User, indicator: Indicator, data: dict[str, Any], expected_version: int | None
) -> Indicator:
    framework = indicator.framework
    _require_admin(actor)
    _require_draft(framework)
    unknown = set(data) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    merged = {name: getattr(indicator, name) for name in INDICATOR_FIELDS} | data
    _check_indicator(framework, merged)
    if merged["parent"] is not None and merged["parent"].pk == indicator.pk:
        raise ServiceValidationError({"parent": [_("上级指标不能是自身")]})
    if data.get("level", indicator.level) != indicator.level and indicator.children.exists():
        raise ServiceValidationError({"level": [_("该指标有下级指标，不能修改级别")]})
    return update_object(
        actor=actor, instance=indicator, data=data, expected_version=expected_version
    )


def indicator_delete(*, actor: User, indicator: Indicator) -> None:
    _require_admin(actor)
    _require_draft(indicator.framework)
    if indicator.children.exists():
        raise ServiceValidationError(_("请先删除该指标的下级指标"))
    delete_object(actor=actor, instance=indicator)


# --- the framework as a whole -----------------------------------------------------------------


def framework_nodes(framework: Framework) -> list[Node]:
    rows = framework.indicators.order_by("order", "id").values_list(
        "code", "level", "parent__code", "title", "max_score", "guidance", "evidence"
    )
    return [
        Node(
            code=code,
            level=level,
            parent_code=parent or "",
            title=title,
            max_score=score,
            guidance=guidance,
            evidence=evidence,
        )
        for code, level, parent, title, score, guidance, evidence in rows
    ]


def framework_validate(framework: Framework, nodes: Sequence[Node] | None = None) -> list[str]:
    """Every structural error of the framework at once (empty when it may be published)."""
    return structure_errors(
        framework_nodes(framework) if nodes is None else nodes,
        level_counts=get_policy().indicators.level_counts,
        total_score=framework.total_score,
    )


def framework_publish(
    *, actor: User, framework: Framework, expected_version: int | None
) -> Framework:
    _require_admin(actor)
    _require_draft(framework)
    errors = framework_validate(framework)
    if errors:
        raise ServiceValidationError(errors)
    return update_object(
        actor=actor,
        instance=framework,
        data={"status": FrameworkStatus.PUBLISHED, "published_at": timezone.now()},
        expected_version=expected_version,
    )


def write_nodes(framework: Framework, nodes: Sequence[Node]) -> list[Indicator]:
    """Insert a framework's indicators level by level, parents first: three statements."""
    ids: dict[str, int] = {}
    created: list[Indicator] = []
    order = {n.code: i for i, n in enumerate(nodes, start=1)}
    for level in (1, 2, 3):
        batch = [
            Indicator(
                framework=framework,
                code=n.code,
                level=n.level,
                parent_id=ids.get(n.parent_code),
                title=n.title,
                max_score=n.max_score,
                guidance=n.guidance,
                evidence=n.evidence,
                order=order[n.code],
            )
            for n in nodes
            if n.level == level
        ]
        batch = Indicator.objects.bulk_create(batch)
        # PostgreSQL and SQLite both return the new primary keys.
        ids.update({i.code: i.pk for i in batch})
        created.extend(batch)
    return created


def framework_replace_indicators(
    *, actor: User, framework: Framework, nodes: Sequence[Node], source: str = ""
) -> int:
    """Put `nodes` (already validated) in place of a draft's indicators, e.g. from a file."""
    _require_admin(actor)
    with transaction.atomic():
        locked = Framework.objects.select_for_update().get(pk=framework.pk)
        _require_draft(locked)
        before = locked.indicators.count()
        # Children first: parents are protected while they have any.
        for level in (3, 2, 1):
            locked.indicators.filter(level=level).delete()
        created = write_nodes(locked, nodes)
        audit.record(
            actor=actor,
            action=AuditAction.IMPORT,
            instance=locked,
            changes={"indicators": [before, len(created)], "file": [None, source]},
        )
        audit.record_many(
            actor=actor,
            action=AuditAction.IMPORT,
            items=[(i, audit.diff({}, audit.snapshot(i))) for i in created],
        )
    return len(created)


def framework_copy(
    *, actor: User, framework: Framework, edition: str, name: str | None = None
) -> Framework:
    """A new draft version with the same indicators (a published framework never changes)."""
    _require_admin(actor)
    with transaction.atomic():
        copy = Framework(
            name=name or framework.name,
            edition=edition,
            total_score=framework.total_score,
            description=framework.description,
            is_sample=framework.is_sample,
            copied_from=framework,
        )
        copy = create_object(actor=actor, instance=copy)
        nodes = framework_nodes(framework)
        write_nodes(copy, nodes)
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=copy,
            changes={"indicators": [None, len(nodes)], "copied_from": [None, str(framework)]},
        )
    return copy


def sample_framework_create(*, actor: User | None = None) -> Framework:
    """The published SAMPLE framework (示例), created once; returned if it exists."""
    existing = Framework.objects.filter(name=SAMPLE_NAME, edition=SAMPLE_EDITION).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        framework = Framework.objects.create(
            name=SAMPLE_NAME,
            edition=SAMPLE_EDITION,
            total_score=Decimal(str(get_policy().indicators.total_score)),
            is_sample=True,
            description=_(
                "示例指标体系，供演示与测试使用，非官方正式文本；正式体系请由管理员导入。"
            ),
        )
        write_nodes(framework, sample_nodes())
        errors = framework_validate(framework)
        if errors:  # the policy's counts differ from the sample's: leave it as a draft
            framework.save()
        else:
            framework.status = FrameworkStatus.PUBLISHED
            framework.published_at = timezone.now()
            framework.save(update_fields=["status", "published_at"])
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=framework,
            changes={"indicators": [None, framework.indicators.count()]},
            actor_name="" if actor else "system",
        )
    return framework


# --- evaluation cycles ------------------------------------------------------------------------

CYCLE_CHUNK = 2000  # evaluations per INSERT and per progress update


def cycle_schools(cycle: EvaluationCycle) -> QuerySet[School]:
    """The schools a cycle evaluates: all, those of a batch's paired regions, or a region's."""
    schools = School.objects.all()
    if cycle.scope == CycleScope.BATCH:
        paths = list(
            Pairing.objects.filter(batch=cycle.batch).values_list("region__path", flat=True)
        )
        query = Q(pk__in=[])
        for path in paths:
            query |= Q(county__path__startswith=path)
        schools = schools.filter(query)
    elif cycle.scope == CycleScope.REGION:
        if cycle.region is None:
            raise ValueError("a region cycle without a region")  # cycle_create refuses one
        schools = schools.filter(county__path__startswith=cycle.region.path)
    return schools


def cycle_open(
    *,
    actor: User,
    framework: Framework,
    name: str,
    year: int,
    scope: str = CycleScope.ALL,
    batch: Batch | None = None,
    region: Region | None = None,
) -> EvaluationCycle:
    """Open a cycle; its evaluations are created in the background (see cycle_job_run)."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    if framework.status != FrameworkStatus.PUBLISHED:
        errors["framework"] = [_("只能使用已发布的指标体系")]
    if scope == CycleScope.BATCH and batch is None:
        errors["batch"] = [_("范围为批次时须选择批次")]
    if scope == CycleScope.REGION and region is None:
        errors["region"] = [_("范围为地区时须选择地区")]
    if errors:
        raise ServiceValidationError(errors)
    cycle = EvaluationCycle(
        framework=framework,
        name=name,
        year=year,
        scope=scope,
        batch=batch if scope == CycleScope.BATCH else None,
        region=region if scope == CycleScope.REGION else None,
    )
    with transaction.atomic():
        if not cycle_schools(cycle).exists():
            raise ServiceValidationError(_("所选范围内没有学校"))
        cycle = create_object(actor=actor, instance=cycle)
        job = job_enqueue(actor=actor, model=CycleJob)
        EvaluationCycle.objects.filter(pk=cycle.pk).update(job=job)
        cycle.job = job
    tasks.create_cycle_evaluations.enqueue(job.pk)
    return cycle


def cycle_job_run(job_id: int) -> CycleJob:
    """Create the cycle's evaluations in chunks, recording progress after each. Safe to run
    again after a crash: existing evaluations are skipped."""
    job: CycleJob = CycleJob.objects.get(pk=job_id)
    cycle = EvaluationCycle.objects.select_related("region").get(job=job)
    school_ids = list(cycle_schools(cycle).order_by("pk").values_list("pk", flat=True))
    job_running(job, total=len(school_ids))
    try:
        for start in range(0, len(school_ids), CYCLE_CHUNK):
            chunk = school_ids[start : start + CYCLE_CHUNK]
            with transaction.atomic():
                Evaluation.objects.bulk_create(
                    [Evaluation(cycle=cycle, school_id=pk) for pk in chunk],
                    ignore_conflicts=True,
                )
                job_progress(job, start + len(chunk))
    except Exception as exc:
        job_fail(job, exc)
        raise
    with transaction.atomic():
        job_finish(job)
        EvaluationCycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.OPEN)
        audit.record(
            actor=None,
            actor_name="system",
            action=AuditAction.CREATE,
            instance=cycle,
            changes={"evaluations": [None, len(school_ids)]},
        )
    job.refresh_from_db()
    return job


# --- evaluations: self-assessment, review, confirmation ---------------------------------------

Entries = Mapping[int, tuple[Decimal | None, str]]  # level-3 indicator id -> (score, text)


def evaluation_leaves(evaluation: Evaluation) -> list[Indicator]:
    return list(evaluation.cycle.framework.indicators.filter(level=3).order_by("order", "id"))


def _score_errors(
    leaf: Indicator, score: Decimal | None, *, field: str, required: bool
) -> dict[str, list[str]]:
    step = Decimal(str(get_policy().indicators.score_step))
    top = leaf.max_score or Decimal(0)
    if score is None:
        return {field: [_("请填写得分")]} if required else {}
    if score < 0 or score > top:
        return {field: [_("得分应在 0 至 %(max)s 之间") % {"max": _plain(top)}]}
    if score % step:
        return {field: [_("得分须为 %(step)s 的整数倍") % {"step": _plain(step)}]}
    return {}


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _explanation_required(leaf: Indicator, score: Decimal | None) -> bool:
    rule = get_policy().indicators.explanation_required
    if rule == "always":
        return True
    if rule == "below_max":
        return score is not None and score < (leaf.max_score or Decimal(0))
    return False


def _locked(evaluation: Evaluation, expected_version: int | None) -> Evaluation:
    current = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(str(current))
    return current


def _move(
    *,
    actor: User,
    evaluation: Evaluation,
    target: str | None,
    changes: dict[str, list[Any]],
    **fields: Any,
) -> Evaluation:
    """Update the locked evaluation's state and fields, bump its version, audit it."""
    before = evaluation.status
    if target is not None:
        fields["status"] = target
    Evaluation.objects.filter(pk=evaluation.pk).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    evaluation.refresh_from_db()
    if target is not None and target != before:
        changes = {"status": [before, target], **changes}
    audit.record(actor=actor, action=AuditAction.UPDATE, instance=evaluation, changes=changes)
    return evaluation


@dataclass(frozen=True)
class _Side:
    """One side of the score sheet: the school's self-assessment or the instructor's review."""

    score: str
    text: str
    total: str
    finished_at: str
    save: str
    finish: str


_SELF = _Side("self_score", "self_explanation", "self_total", "submitted_at", "save_self", "submit")
_REVIEW = _Side(
    "review_score", "review_comment", "review_total", "reviewed_at", "save_review", "pass"
)


def _save_sheet(
    *,
    side: _Side,
    actor: User,
    evaluation: Evaluation,
    entries: Entries,
    expected_version: int | None,
    finish: bool,
    files: dict[int, list[Any]] | None = None,
    roles: set[Any] | None = None,
) -> Evaluation:
    """Save one side of the sheet (all level-3 rows in one statement), or finish it: the one
    algorithm of the self-assessment and the review. Roles are asked once."""
    action = side.finish if finish else side.save
    roles = workflow.actor_roles(actor, evaluation) if roles is None else roles
    workflow.check(actor, evaluation, action, roles)
    leaves = evaluation_leaves(evaluation)
    errors: dict[str, list[str]] = {}
    for leaf in leaves:
        score, text = entries.get(leaf.pk, (None, ""))
        errors.update(_score_errors(leaf, score, field=f"score_{leaf.pk}", required=finish))
        if side is _SELF and finish and _explanation_required(leaf, score) and not text.strip():
            errors[f"explanation_{leaf.pk}"] = [_("请填写自评说明")]
    checked = _check_evidence(leaves, files, errors)
    if errors:
        raise ServiceValidationError(errors)
    with transaction.atomic():
        current = _locked(evaluation, expected_version)
        transition = workflow.check(actor, current, action, roles)
        rows = [
            Score(
                evaluation=current,
                indicator_id=leaf.pk,
                **{
                    side.score: entries.get(leaf.pk, (None, ""))[0],
                    side.text: entries.get(leaf.pk, (None, ""))[1].strip(),
                },
            )
            for leaf in leaves
        ]
        per_indicator = _score_changes(current, leaves, rows, side.score)
        # One statement for the whole form: insert the rows, or update those that exist.
        Score.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["evaluation", "indicator"],
            update_fields=[side.score, side.text],
        )
        total = sum((getattr(r, side.score) or Decimal(0) for r in rows), Decimal(0))
        changes: dict[str, list[Any]] = {
            side.total: [_str(getattr(current, side.total)), str(total)]
        }
        if side is _SELF:
            changes["scores"] = [None, len(rows)]
            stored = _store_evidence(actor, current, checked)
            if stored:
                changes["evidence"] = [None, stored]
        extra: dict[str, Any] = {side.total: total}
        if finish:
            extra[side.finished_at] = timezone.now()
        return _move(
            actor=actor,
            evaluation=current,
            target=transition.target,
            changes={**changes, **per_indicator},
            **extra,
        )


def _check_evidence(
    leaves: Sequence[Indicator],
    files: dict[int, list[Any]] | None,
    errors: dict[str, list[str]],
) -> list[tuple[int, Any, bytes, str]]:
    """The evidence files that pass the upload checker; the others' messages go to `errors`."""
    checked: list[tuple[int, Any, bytes, str]] = []
    leaf_ids = {leaf.pk for leaf in leaves}
    for indicator_id, uploads in (files or {}).items():
        if indicator_id not in leaf_ids:
            raise ServiceValidationError(_("佐证材料对应的指标不属于本评估"))
        for upload in uploads:
            data = upload.read()
            try:
                kind = check_file(
                    BytesIO(data), size=len(data), name=upload.name or "", module="evidence"
                )
            except ValidationError as exc:
                errors.setdefault(f"evidence_{indicator_id}", []).extend(exc.messages)
            else:
                checked.append((indicator_id, upload, data, kind))
    return checked


def evaluation_autosave(
    *,
    actor: User,
    evaluation: Evaluation,
    mode: str,
    indicator_id: int,
    cell: str,
    value: Decimal | str | None,
    expected_version: int | None,
    roles: set[Any] | None = None,
) -> Evaluation:
    """One cell of a sheet saved as it is typed (issue 14): the score (`cell="score"`, None
    clears it) or the text (`cell="text"`) of one level-3 indicator, checked like a draft,
    against the version the page was loaded at, so that a second device with an older page
    gets a conflict instead of overwriting."""
    side = _SELF if mode == "self" else _REVIEW
    roles = workflow.actor_roles(actor, evaluation) if roles is None else roles
    workflow.check(actor, evaluation, side.save, roles)
    leaf = next((i for i in evaluation_leaves(evaluation) if i.pk == indicator_id), None)
    if leaf is None or cell not in ("score", "text"):
        raise ServiceValidationError(_("该指标不属于本评估"))
    fields: dict[str, Any] = {}
    if cell == "text":
        text = str(value or "")
        if len(text) > 2000:
            prefix = "explanation" if side is _SELF else "comment"
            raise ServiceValidationError({f"{prefix}_{leaf.pk}": [_("最多 2000 字")]})
        fields[side.text] = text.strip()
    else:
        score = value if isinstance(value, Decimal) else None
        errors = _score_errors(leaf, score, field=f"score_{leaf.pk}", required=False)
        if errors:
            raise ServiceValidationError(errors)
        fields[side.score] = score
    with transaction.atomic():
        current = _locked(evaluation, expected_version)
        transition = workflow.check(actor, current, side.save, roles)
        row, _created = Score.objects.select_for_update().get_or_create(
            evaluation=current, indicator_id=leaf.pk
        )
        name, new = next(iter(fields.items()))
        old = getattr(row, name)
        setattr(row, name, new)
        row.save(update_fields=[name])
        total = Score.objects.filter(evaluation=current).aggregate(
            t=Coalesce(Sum(side.score), Value(Decimal(0)), output_field=DecimalField())
        )["t"]
        changes: dict[str, list[Any]] = {
            f"{name} {leaf.code}": [_str(old), _str(new)],
            side.total: [_str(getattr(current, side.total)), str(total)],
        }
        return _move(
            actor=actor,
            evaluation=current,
            target=transition.target,
            changes=changes,
            **{side.total: total},
        )


def evidence_add(
    *,
    actor: User,
    evaluation: Evaluation,
    indicator_id: int,
    upload: Any,
    roles: set[Any] | None = None,
) -> EvidenceFile:
    """Store one evidence file as soon as the school chooses it (issue 14: a file is never lost
    to a submit that fails on the scores). It does not move the evaluation's version: a file
    only adds, so two devices adding files never conflict."""
    roles = workflow.actor_roles(actor, evaluation) if roles is None else roles
    workflow.check(actor, evaluation, "save_self", roles)
    leaves = evaluation_leaves(evaluation)
    errors: dict[str, list[str]] = {}
    checked = _check_evidence(leaves, {indicator_id: [upload]}, errors)
    if errors:
        raise ServiceValidationError(errors)
    with transaction.atomic():
        current = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        workflow.check(actor, current, "save_self", roles)
        _store_evidence(actor, current, checked)
        item = EvidenceFile.objects.filter(evaluation=current).latest("pk")
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=item,
            changes={"evaluation": [None, str(current)], "file": [None, item.original_name]},
        )
    return item


def evaluation_save_self(
    *,
    actor: User,
    evaluation: Evaluation,
    entries: Entries,
    expected_version: int | None,
    submit: bool = False,
    files: dict[int, list[Any]] | None = None,
    roles: set[Any] | None = None,
) -> Evaluation:
    """Save the school's self-assessment (all level-3 rows in one statement), or submit it."""
    return _save_sheet(
        side=_SELF,
        actor=actor,
        evaluation=evaluation,
        entries=entries,
        expected_version=expected_version,
        finish=submit,
        files=files,
        roles=roles,
    )


def evaluation_review(
    *,
    actor: User,
    evaluation: Evaluation,
    entries: Entries,
    expected_version: int | None,
    passed: bool = False,
    roles: set[Any] | None = None,
) -> Evaluation:
    """The instructor's scores and comments (one statement); `passed` ends the review."""
    return _save_sheet(
        side=_REVIEW,
        actor=actor,
        evaluation=evaluation,
        entries=entries,
        expected_version=expected_version,
        finish=passed,
        roles=roles,
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _score_changes(
    evaluation: Evaluation, leaves: list[Indicator], rows: list[Score], field: str
) -> dict[str, list[str | None]]:
    """Each indicator whose `field` score changes, old → new, for the audit (issue 9): one
    query for the stored scores, read before the bulk write replaces them."""
    old = dict(Score.objects.filter(evaluation=evaluation).values_list("indicator_id", field))
    codes = {leaf.pk: leaf.code for leaf in leaves}
    changes: dict[str, list[str | None]] = {}
    for row in rows:
        before, after = old.get(row.indicator_id), getattr(row, field)
        if (None if before is None else Decimal(before)) != after:
            changes[f"{field} {codes[row.indicator_id]}"] = [
                None if before is None else _plain(Decimal(before)),
                None if after is None else _plain(after),
            ]
    return changes


def _store_evidence(
    actor: User, evaluation: Evaluation, checked: list[tuple[int, Any, bytes, str]]
) -> list[str]:
    names = []
    for indicator_id, upload, data, kind in checked:
        name = (upload.name or kind)[-200:]
        item = EvidenceFile(
            evaluation=evaluation,
            indicator_id=indicator_id,
            original_name=name,
            kind=kind,
            size=len(data),
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        item.file.save(name, ContentFile(data), save=False)
        item.save()
        names.append(name)
    return names


def evaluation_transition(
    *,
    actor: User,
    evaluation: Evaluation,
    action: str,
    expected_version: int | None,
    reason: str = "",
    roles: set[Any] | None = None,
) -> Evaluation:
    """Return to the school (with a reason), confirm, or reopen the review."""
    if action not in ("return", "confirm", "reopen"):
        raise ValueError(action)
    roles = workflow.actor_roles(actor, evaluation) if roles is None else roles
    workflow.check(actor, evaluation, action, roles)
    if action in ("return", "reopen") and not reason.strip():
        raise ServiceValidationError({"reason": [_("请填写退回原因")]})
    with transaction.atomic():
        current = _locked(evaluation, expected_version)
        transition = workflow.check(actor, current, action, roles)
        extra: dict[str, Any] = {}
        changes: dict[str, list[Any]] = {}
        if reason.strip():
            extra["return_reason"] = reason.strip()
            changes["return_reason"] = [current.return_reason, reason.strip()]
        if action == "confirm":
            extra["confirmed_at"] = timezone.now()
        moved = _move(
            actor=actor, evaluation=current, target=transition.target, changes=changes, **extra
        )
        if action == "confirm":
            summary_refresh(moved)
    return moved


def summary_refresh(evaluation: Evaluation) -> None:
    """Write a confirmed evaluation's summary rows and its county's per-indicator aggregates
    (called inside the confirming transaction)."""
    framework = evaluation.cycle.framework
    school = School.objects.select_related("county").get(pk=evaluation.school_id)
    county_id, city_id = school.county_id, school.county.parent_id
    if city_id is None:
        raise ValueError(f"county {county_id} is in no city")  # the region tree forbids it
    indicators = list(framework.indicators.values_list("pk", "code", "level", "parent_id"))
    code = {pk: c for pk, c, _level, _parent in indicators}
    nodes = [
        Node(code=c, level=level, parent_code=code.get(parent, "") if parent else "")
        for _pk, c, level, parent in indicators
    ]
    scores = final_scores(evaluation)
    rolled = rollup(nodes, {code[k]: v for k, v in scores.items()})
    total = sum(scores.values(), Decimal(0))
    EvaluationSummary.objects.update_or_create(
        evaluation=evaluation,
        defaults={
            "cycle_id": evaluation.cycle_id,
            "school_id": school.pk,
            "county_id": county_id,
            "city_id": city_id,
            "total": total,
            "grade": grade_for(total, framework.total_score),
        },
    )
    L1Score.objects.filter(evaluation=evaluation).delete()
    L1Score.objects.bulk_create(
        L1Score(
            evaluation=evaluation,
            cycle_id=evaluation.cycle_id,
            county_id=county_id,
            city_id=city_id,
            indicator_id=pk,
            score=rolled[c],
        )
        for pk, c, level, _parent in indicators
        if level == 1
    )
    # The county's aggregates again from its confirmed evaluations: one grouped read.
    rows = (
        Score.objects.filter(
            evaluation__cycle_id=evaluation.cycle_id,
            evaluation__school__county_id=county_id,
            evaluation__status=EvaluationStatus.CONFIRMED,
        )
        .values("indicator_id")
        .annotate(
            total=Sum(
                Coalesce(
                    "review_score",
                    "self_score",
                    Value(Decimal(0)),
                    output_field=DecimalField(max_digits=6, decimal_places=2),
                )
            ),
            n=Count("id"),
        )
    )
    IndicatorAggregate.objects.filter(cycle_id=evaluation.cycle_id, county_id=county_id).delete()
    IndicatorAggregate.objects.bulk_create(
        IndicatorAggregate(
            cycle_id=evaluation.cycle_id,
            county_id=county_id,
            city_id=city_id,
            indicator_id=row["indicator_id"],
            score_sum=row["total"],
            count=row["n"],
        )
        for row in rows
    )
