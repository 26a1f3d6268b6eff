"""The member roll: regions, branches, members, snapshots, eligibility, scope and role grants.

The foundation package: ``voting`` and ``assembly`` call its functions and never write SQL
against its tables. See docs/ARCHITECTURE.md.
"""
