"""MCP Cloud services: one folder per process."""
