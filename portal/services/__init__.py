"""Verbs on the aggregates: each takes the acting user, checks policy, audits, flushes.

Services never commit: the request (or command) that called them commits once.
"""
