"""The transparency log: RFC 6962/9162 Merkle trees, proofs, C2SP signed notes and checkpoints.

The core depends on the standard library and ``cryptography`` only; ``audit.store`` adds
the PostgreSQL store. Modules, one concept each:

- ``merkle``: hashes (RFC 6962 §2.1), roots of leaf lists, the streaming ``CompactRange``.
- ``stored``: the tree as stored hashes of complete subtrees behind one ``HashReader``;
  tree hashes and the rows an append writes (``hashes_to_store``).
- ``proofs``: ``prove_inclusion``/``check_inclusion``, ``prove_consistency``/``check_consistency``.
- ``memory``: an in-memory log that records how it is read, for tests and benchmarks.
- ``note``, ``checkpoint``, ``tlog_proof``: C2SP signed-note, tlog-checkpoint, tlog-proof.
- ``tile``, ``tiled``: C2SP tlog-tiles coordinates and paths; a log exported as tiles and read
  back through a fetch function.
- ``verify``: the offline verifier that names the first entry that does not fit.
- ``canonical``: canonical JSON (RFC 8785, integers only) for log entries.
- ``errors``, ``encoding``: the error classes; strict base64.

Every operation that reads stored hashes has two halves (``*_indexes`` and ``*_from_hashes``)
so an asynchronous store can await its read between them.
"""
