"""Fault scenarios ("chaos"): each breaks one thing on purpose, on real servers and sockets, and
reports what it tried and what was lost. ``callcenter chaos`` (``make chaos``) runs them at full
size; ``tests/test_chaos.py`` runs the same scenarios small, inside ``make test``."""
