"""The checks of the assignment, written with pytest.

Each check declares its name, points and the known values it reads with ``@check``
(support.py); course.toml says which checks are hidden from students. Known values
come from ``known/*.json``, made from the reference by ``python -m kit.known_values``
(``make fixtures``): public.json holds the public checks' values, hidden.json the rest.
"""
