"""Recall petitions: the rules, signatures, outcomes and what is shown of them.

See docs/ARCHITECTURE.md.
"""
