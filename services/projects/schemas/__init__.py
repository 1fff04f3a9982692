"""API models of the regional project registry, one module per concept (…Create / …Read /
…Update); ``common`` holds the types several concepts share. Nothing is re-exported here."""
