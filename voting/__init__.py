"""Contests: lifecycle, electorate, casting, receipts, counting, certification, bundles."""
