"""Wagtail's own small tasks (search index, reference index) run once per object, after the editor has the response.

Wagtail enqueues them on django-tasks' "default" backend on every `post_save`. With the immediate backend they
ran inside the editor's publish request, and several times over: publishing a project saves the page twice
(the revision, then the publish) and every row of its inline panels (key figures, budget lines, updates,
gallery…), and each of those saves rebuilt the whole page's reference index again (Wagtail's task walks
from a child row up to its page). That was most of the publish click on a project page.

Inside a request, this backend keeps what was asked for, drops the repeats (the same task for the same
object; for the reference index, the same page however many of its rows were saved), and runs each one
when the request is finished, which Django signals once the response has been handed to the server
(`request_finished`): the editor's browser is already loading the next page. Outside a request
(management commands, the publishing worker, the shell, tests calling `publish()` directly) it runs every
task at once, exactly like the immediate backend it extends. The publishing build does not read either
index: it is queued by the publish itself (publishing/signals.py) and starts at once (publishing/tasks.py).
"""

from __future__ import annotations

import dataclasses
import logging
import threading

from django.apps import apps
from django.core.signals import request_finished, request_started
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id

logger = logging.getLogger(__name__)
_local = threading.local()
REFERENCE_INDEX_TASK = "wagtail.tasks.update_reference_index_task"


class AfterResponseBackend(ImmediateBackend):
    def enqueue(self, task, args, kwargs):
        pending = getattr(_local, "pending", None)
        if pending is None:
            return super().enqueue(task, args, kwargs)
        self.validate_task(task)
        result = TaskResult(task=task, id=get_random_id(), status=TaskResultStatus.READY, enqueued_at=None,
                            started_at=None, last_attempted_at=None, finished_at=None, args=args, kwargs=kwargs,
                            backend=self.alias, errors=[], worker_ids=[])
        pending.append((self, result))
        return result


def start_collecting(**kwargs):
    _local.pending = []


def run_collected(**kwargs):
    pending, _local.pending = getattr(_local, "pending", None), None
    if not pending:
        return
    # The database connection is left as it is: the next request's start closes it if it is too old (Django's
    # own close_old_connections), and the test client's connection must survive.
    done = set()
    for backend, result in pending:
        try:
            result = coalesced(result)
            key = (result.task.module_path, repr(tuple(result.args)), repr(sorted(result.kwargs.items())))
            if key in done:
                continue
            done.add(key)
            backend._execute_task(result)  # records a failure in the result instead of raising
        except Exception:  # the response is gone: log, and let the other tasks run
            logger.exception("task %s%r could not run after the response", result.task.module_path, result.args)
            continue
        if result.status == TaskResultStatus.FAILED:
            logger.warning("task %s%r failed after the response: %s", result.task.module_path, result.args,
                           result.errors[-1].traceback if result.errors else "")


def coalesced(result: TaskResult) -> TaskResult:
    """The reference index is kept per page: a saved inline row stands for its page (as Wagtail's task does)."""
    if result.task.module_path != REFERENCE_INDEX_TASK or len(result.args) != 3:
        return result
    from modelcluster.fields import ParentalKey

    app_label, model_name, pk = result.args
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return result
    while True:
        parental = [f for f in model._meta.get_fields() if isinstance(f, ParentalKey)]
        if not parental:
            break
        pk = model._base_manager.filter(pk=pk).values_list(parental[0].attname, flat=True).first()
        if pk is None:
            return result  # gone, or no parent: the task itself finds there is nothing to index
        model = parental[0].related_model
    return dataclasses.replace(result, args=(model._meta.app_label, model._meta.model_name, str(pk)))


def connect():
    request_started.connect(start_collecting, dispatch_uid="cms.core.after_response.start")
    request_finished.connect(run_collected, dispatch_uid="cms.core.after_response.run")
