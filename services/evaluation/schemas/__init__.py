"""API models of the biennial evaluation tracking, one module a concept (no re-exports)."""
