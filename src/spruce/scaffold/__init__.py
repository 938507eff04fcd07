"""Scaffolding: ``spruce new NAME`` writes a new project that runs and tests green at once.

    from spruce.scaffold import create_project

    project = create_project("blog")                    # the full layout, in ./blog
    project = create_project("hello", minimal=True)     # one app.py
    print(project.setup_and_run)                        # the README's first command

The file templates live in ``spruce/scaffold/templates/`` (see ``spruce.scaffold.project``).
Nothing in Spruce imports this package but the ``spruce new`` command.
"""

from __future__ import annotations

from .names import InvalidProjectName, check_project_name, suggest_project_name
from .project import NewProject, ProjectError, create_project

__all__ = [
    "InvalidProjectName",
    "NewProject",
    "ProjectError",
    "check_project_name",
    "create_project",
    "suggest_project_name",
]
