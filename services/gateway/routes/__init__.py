"""HTTP routes: thin, each delegating to a service module."""
