"""Package data: JSON reference files (a package so setuptools ships them)."""
