"""Self-checks for the course's exercises: ``smtplesson.check.<exercise>(answer)``.

Each exercise has one function, named after it, in the module of its lesson (``lesson_NN.py``);
``check.environment()`` (``environment.py``) is the set-up check of lesson 00. Every check prints
``RIGHT`` ("✅ Right") or ``NOT_YET`` ("🔎 Not yet") and what is right or what to look at,
returns True or False, never raises, and prints the same text every run (``_framework.py``).
Every check has a right and a wrong answer in tests/course/test_course.py.
"""
from ._framework import NOT_YET, RIGHT
from .environment import environment
from .lesson_00 import FIRST_BOUNCE_CHOICES, first_bounce
from .lesson_01 import first_conversation, send_your_own
from .lesson_02 import open_relay, relay_path
from .lesson_03 import reply_parts, what_to_do
from .lesson_04 import DEFERRALS, retry_or_act
from .lesson_05 import BOUNCE_TYPES, BOUNCES, bounce_types
from .lesson_06 import BLOCKED_CAUSES, BLOCKED_REPLIES, predict_verdicts, why_blocked
from .lesson_07 import retry_policy
from .lesson_08 import LAB_ACTIONS, diagnoses
from .lesson_09 import success_and_intermediate
from .lesson_10 import queue_shift
from .recall import predict, recall, recall_quiz, reveal

#: the verdicts, the set-up check and the exercise checks
__all__ = [
    "NOT_YET",
    "RIGHT",
    "bounce_types",
    "diagnoses",
    "environment",
    "first_bounce",
    "first_conversation",
    "open_relay",
    "predict",
    "predict_verdicts",
    "queue_shift",
    "recall",
    "recall_quiz",
    "relay_path",
    "reply_parts",
    "retry_or_act",
    "retry_policy",
    "reveal",
    "send_your_own",
    "success_and_intermediate",
    "what_to_do",
    "why_blocked",
]
