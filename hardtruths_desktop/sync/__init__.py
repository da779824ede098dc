"""Sync with the trust server (SYNC.md): wire protocol, client engine. Built by the sync issue;
the store already writes every change to the outbox this package will push."""
