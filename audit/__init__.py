"""The transparency log: RFC 6962/9162 Merkle trees, proofs, C2SP signed notes and checkpoints.

The core depends on the standard library and ``cryptography`` only; ``audit.store`` adds
the PostgreSQL store.
"""
