"""Every stack config section, one module each, on one declarative schema (``schema.py``).

``buffer``, ``fanout``, ``backup``, ``analytics``, ``replay``, ``alarms`` and ``stack`` (``lambda``,
``kms``) declare their keys as dataclass fields with a default and a ``Rule``; ``shared`` holds what
several sections share; ``pipelines`` assembles the pipelines' and alarms' sections. The program
(``infra/stack_config.py``) and the components check values against the same rules.
"""
