"""Synthetic data of this app for `manage.py seed`: the SAMPLE framework in every workload."""

from __future__ import annotations

from handinhand.indicators.services import sample_framework_create


def extend(workload: str, *, seed: int, scale: float) -> dict[str, int]:
    framework = sample_framework_create()
    return {"indicators.Framework": 1, "indicators.Indicator": framework.indicators.count()}
