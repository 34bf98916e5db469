"""Integrity and recovery (design §6).

Find missing, stale or malformed outputs, and repair them at the root cause.
"""
