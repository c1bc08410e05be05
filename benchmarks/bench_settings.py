"""The project's settings with benchmarks/bench_urls.py (the admin and the bare view) mounted:
`DJANGO_SETTINGS_MODULE=benchmarks.bench_settings` (benchmarks/load.py sets it for gunicorn)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bench_urls"
