"""The k8s service."""
