"""Tasks that keep the search index up to date."""
