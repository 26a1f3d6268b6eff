"""HTTP routes: thin controllers that parse, authorise, call a domain function and answer."""
