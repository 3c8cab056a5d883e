"""The preflight's stack workers: forked children that hand a result back, or are reported as lost."""

from __future__ import annotations

import os

from preflight.children import in_workers


def test_a_worker_hands_back_its_result_and_exit_code() -> None:
    big = {"stack": "dev", "diagnostics": list(range(100_000))}  # more than a pipe holds at once
    assert list(in_workers({"dev": lambda: big}, limit=2)) == [("dev", big, 0)]


def test_a_worker_that_dies_has_no_result_and_its_exit_code_says_so() -> None:
    assert list(in_workers({"dev": lambda: os._exit(3)}, limit=2)) == [("dev", None, 3)]


def test_every_task_ends_once_even_when_fewer_may_run_at_a_time() -> None:
    tasks = {name: (lambda name=name: name.upper()) for name in ("dev", "staging", "prod")}
    ended = {key: (result, code) for key, result, code in in_workers(tasks, limit=1)}
    assert ended == {"dev": ("DEV", 0), "staging": ("STAGING", 0), "prod": ("PROD", 0)}
