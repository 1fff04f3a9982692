"""Package data: IATI codelists converted to JSON (see ../../README.md)."""
