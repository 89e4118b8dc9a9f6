"""Laga kraft: the register of överklaganden, the state of each § of a posted protokoll
(rules.py), the laga kraft-bevis (bevis.py) and the reminder when a period ends (tasks.py)."""
