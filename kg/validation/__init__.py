"""SHACL validation: pyshacl (`shacl`, the reference) and the same shapes compiled to SPARQL (`compiled`)."""
