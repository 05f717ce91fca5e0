"""The terraform service."""
