"""MCP Cloud common library: settings, contracts, Celery app, stores, events."""
