"""Motions: motions, amendments, composites, the text and how an amendment changes it, and
the votes on a motion and its amendments.

See docs/ARCHITECTURE.md.
"""
