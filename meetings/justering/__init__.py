"""Justering: the steps (services), the frozen and signed protokoll (document), and the
protokollsutdrag and omedelbar justering (utdrag)."""
