"""Everything a person or a program reads: console streams, plans, apply reports, checks, runbooks, errors. Only the CLI and this package print."""
