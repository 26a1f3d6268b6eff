"""Meetings: assemblies and their timetables, standing orders, the agenda, the record, and
who may see an assembly and chair it (``guards``).

See docs/ARCHITECTURE.md.
"""
