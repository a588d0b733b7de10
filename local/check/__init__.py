"""Check: evaluate the CrossGuard pack in ``policies/`` on a captured plan, as the analyzer would."""

from local.check.runner import add_arguments, check_project, run

__all__ = ["add_arguments", "check_project", "run"]
