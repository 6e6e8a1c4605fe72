"""The build: source files → checked, inferred, validated graph → a fresh Oxigraph store.

`pipeline` runs the steps; `sources` parses the TriG files, `checks` and `links` guard them,
`inference` and `closure` add what the ontology entails.
"""
