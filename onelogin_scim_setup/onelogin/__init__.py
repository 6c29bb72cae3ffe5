"""OneLogin admin API: the HTTP client and the readers that turn wire quirks into clean state."""
