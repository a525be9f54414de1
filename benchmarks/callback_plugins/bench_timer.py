# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback: one JSON line per task result (host, task, action, status, seconds).

Enabled by benchmarks/onboarding.py with ANSIBLE_CALLBACK_PLUGINS and ANSIBLE_CALLBACKS_ENABLED;
writes to the file named by BENCH_TIMER_OUT. Seconds run from the worker's start of the task on
that host to its result, i.e. module start-up, API calls and Ansible's own per-task work.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: Record each task result's duration for the sentinel.aws benchmark
description:
  - Appends one JSON object per task result to the file named by the BENCH_TIMER_OUT environment variable.
requirements:
  - enabled in ANSIBLE_CALLBACKS_ENABLED
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._started = {}
        path = os.environ.get("BENCH_TIMER_OUT")
        self._out = open(path, "a") if path else None

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.monotonic()

    def _record(self, result, status):
        host, task = result._host, result._task
        started = self._started.pop((host.get_name(), task._uuid), None)
        seconds = time.monotonic() - started if started is not None else 0.0
        if status == "ok" and result._result.get("changed"):
            status = "changed"
        if self._out:
            self._out.write(
                json.dumps(
                    {
                        "host": host.get_name(),
                        "task": task.get_name(),
                        "action": task.action,
                        "status": status,
                        "seconds": round(seconds, 4),
                    }
                )
                + "\n"
            )
            self._out.flush()

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "failed")

    def v2_playbook_on_stats(self, stats):
        if self._out:
            self._out.close()
            self._out = None
