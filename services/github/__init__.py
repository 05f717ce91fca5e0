"""The github service."""
