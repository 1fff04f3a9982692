"""The suite's common package: every cross-cutting mechanism, written once.

settings (pydantic-settings base), db (engines, sessions, naming), problems (RFC 9457),
pagination (keyset), idempotency, etag, audit, auth (API scopes and the signed identity
the gateway forwards), middleware (request ids, JSON logs, body limits, metrics), health,
app (the service app factory), clients (typed service-to-service HTTP), migrations (Alembic).
"""
