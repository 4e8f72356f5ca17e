"""The checks of the assignment, written with pytest.

test_public.py: the checks students also have; test_hidden.py: only the grader's.
Each check declares its name, points and visibility with ``@check`` (support.py).
Known values come from ``known/*.json``, made from the reference by
``python -m autograder.fixtures``.
"""
