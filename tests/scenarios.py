"""The scenario requests as API bodies (one definition: shared/examples.py)."""

from shared.examples import request_body

EKS_NGINX_ARGOCD = request_body("eks-nginx-argocd")
PRIVATE_LOGS_BUCKET = request_body("private-logs-bucket")
PUBLIC_WEBSITE_BUCKET = request_body("public-website-bucket")
ROOT_POD = request_body("root-pod")


def with_stack(request: dict, stack: str) -> dict:
    """The same request on another stack (tests must not share a target lock)."""
    return {**request, "intent": {**request["intent"], "stack": stack}}
