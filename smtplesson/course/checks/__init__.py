"""Self-checks for the course's exercises: ``smtplesson.check.<exercise>(answer)``.

Each exercise has one function, named after it, in the module of its lesson (``lesson_NN.py``);
``check.environment()`` (``environment.py``) is the set-up check of lesson 00. Every check prints
``RIGHT`` ("✅ Right") or ``NOT_YET`` ("🔎 Not yet") and what is right or what to look at,
returns True or False, never raises, and prints the same text every run (``_framework.py``).
Every check has a right and a wrong answer in tests/course/test_course.py.
"""
from ._framework import NOT_YET, RIGHT
from .environment import environment
from .lesson_00 import start_here
from .lesson_01 import first_conversation, send_your_own
from .lesson_02 import open_relay, relay_path
from .lesson_03 import reply_parts, what_to_do
from .lesson_04 import success_and_intermediate
from .lesson_05 import TRANSIENT_CAUSES, TRANSIENT_REPLIES, transient_failures
from .lesson_06 import PERMANENT_CAUSES, PERMANENT_REPLIES, permanent_failures
from .lesson_07 import read_bounce
from .lesson_08 import retry_policy
from .lesson_09 import DIAGNOSIS_CAUSES, diagnosis
from .mysteries import mystery_server

#: the verdicts, the set-up check and the exercise checks, in the order of the lessons
__all__ = [
    "NOT_YET",
    "RIGHT",
    "diagnosis",
    "environment",
    "first_conversation",
    "open_relay",
    "permanent_failures",
    "read_bounce",
    "relay_path",
    "reply_parts",
    "retry_policy",
    "send_your_own",
    "start_here",
    "success_and_intermediate",
    "transient_failures",
    "what_to_do",
]
