"""Puts this clone's ``eventfork`` package first on ``sys.path``: the program runs the components it ships with.

Pulumi runs ``infra/`` with only this folder on the path; an installed ``eventfork`` (pip) would
otherwise be used, or none found.
"""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
