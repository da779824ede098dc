"""The Hard Truths trust server: gathers every ward station's records (SYNC.md, DESIGN.md "The trust server").

Imports only ``hardtruths_desktop.domain`` and ``hardtruths_desktop.sync.protocol`` from the core.
"""
