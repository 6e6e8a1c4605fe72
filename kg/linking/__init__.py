"""Finding and linking entities: the search index, the reconciliation service, reviewed Wikidata links."""
