"""Solutions to the chapters' exercises, one module per chapter, ``ch01`` … ``ch13`` and ``ch15`` (the quiz,
chapter 14, has its answers in place).

Each exercise N has ``exercise_N()``, the worked solution, and ``check_N(answer)``, which raises
AssertionError unless ``answer`` is right. A chapter runs ``check_N(exercise_N())`` in a cell that the
notebooks show collapsed (with the solution's code in it); a student writes their own answer and calls
``check_N`` on it. ``tests/tutorials/test_solutions.py`` runs every pair.
"""
