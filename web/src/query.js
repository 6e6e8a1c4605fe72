// The /query page: entry point (filled by the query-page work).
