"""Sortition: pools of volunteers, the committed draw, its record and what is shown of it.

See docs/ARCHITECTURE.md.
"""
