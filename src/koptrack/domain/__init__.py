"""Pure rules: the domain's vocabulary, parsing and checking of identifiers and dates, and
half-open periods. No database, no I/O."""
