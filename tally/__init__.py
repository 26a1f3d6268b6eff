"""The counting core: majorities, IRV, Scottish STV and Meek STV, sortition draws.

Standard library only, so an auditor can install and run it without the service.
"""
