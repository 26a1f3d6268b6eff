"""Elections: elections and their posts, nominations and candidates, representation rules,
the ballots, and offices.

See docs/ARCHITECTURE.md.
"""
