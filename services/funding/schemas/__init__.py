"""API models of the voluntary-funding ledger, one module per concept (…Create / …Read /
…Update); ``common`` holds the types several concepts share."""
