"""Reusable test support: a throwaway PostgreSQL cluster and the trust server on loopback.

``tests/`` is on ``sys.path`` (pytest's rootdir-relative import of ``tests/conftest.py``), so tests
import these as ``support.postgres`` / ``support.live_server``.
"""
