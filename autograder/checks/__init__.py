"""The checks of the assignment, written with pytest.

Each check declares its name, points and the known values it reads with ``@check``
(support.py); course.toml says which checks are hidden from students. Known values
come from ``known/*.json``, made from the reference by ``python -m kit.known_values``
(``make fixtures``): public.json holds the public checks' values, hidden.json the rest.

``runner.py`` runs them and scores the entries, ``verdict.py`` says what a run comes
to (what to fix first), ``repro.py`` writes a failing call as code to paste, and
``__main__.py`` with ``local.py`` is the student's own check (``check.py``).
"""
