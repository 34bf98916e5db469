"""One module per manifest format. Each defines `PARSER`, a `ManifestParser`; the registry finds them."""
