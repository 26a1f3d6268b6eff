"""The counting core: majorities, IRV, Scottish STV and Meek STV, sortition draws.

Standard library only, so an auditor can install and run it without the service.

Ranked contests, in the order data flows:

- :mod:`tally.blt`, :mod:`tally.preflib` read ballot files into :class:`tally.ballots.Election`
  (errors are :class:`tally.errors.FormatError` naming file and line); ``tally.blt.write_blt``
  writes one back.
- :mod:`tally.rules` names the rules (``scottish``, ``irv``, ``meek``) and says how to add one;
  :mod:`tally.transfer` counts the Gregory family over :mod:`tally.prefix`, :mod:`tally.meek`
  Meek STV over :mod:`tally.meek_paths`; both take :mod:`tally.constraints` and round only
  through :mod:`tally.arithmetic`; :mod:`tally.ties` breaks ties (earlier stages, then the
  lot of :mod:`tally.seeded_lot`).
- :mod:`tally.transcript` is the result as data and its balance check; :mod:`tally.report`
  prints the result sheet and the JSON document; :mod:`tally.cli` is ``python -m tally``.
- :mod:`tally.countback` fills a casual vacancy by recounting the departed member's papers.

Example::

    from tally.blt import read_blt
    from tally.rules import rule_named
    transcript = rule_named("scottish").count(read_blt("ward.blt"), seed="2026-05-05")
    print(transcript.elected_names)
"""
