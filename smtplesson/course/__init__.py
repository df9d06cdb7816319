"""Lesson support: the exercise checks (``smtplesson.check``) and lab helpers.

Nothing else in the package imports from here.
"""
