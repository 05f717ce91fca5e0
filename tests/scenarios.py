"""The requests of ../shared/scenarios/requests.yaml as structured requests (API bodies)."""

EKS_NGINX_ARGOCD = {
    "persona": "devops",
    "intent": {
        "action": "deploy", "cloud": "aws", "platform": "eks", "region": "ap-northeast-2", "stack": "shop-eks",
        "cluster": {"name": "shop-eks"},
        "app": {"name": "nginx", "image": "nginxinc/nginx-unprivileged", "tag": "1.27.3", "replicas": 3, "port": 8080},
        "gitops": "argocd",
    },
}

PRIVATE_LOGS_BUCKET = {
    "persona": "devops",
    "intent": {
        "action": "provision", "cloud": "aws", "region": "ap-northeast-2", "stack": "app-logs",
        "buckets": [{"name": "acme-app-logs", "purpose": "application logs", "versioning": True}],
        "ci": "none",
    },
}

PUBLIC_WEBSITE_BUCKET = {
    "persona": "devops",
    "intent": {
        "action": "provision", "cloud": "aws", "region": "us-east-1", "stack": "website",
        "buckets": [{"name": "acme-website", "purpose": "static website", "public_read": True}],
        "ci": "none",
    },
}

ROOT_POD = {
    "persona": "devops",
    "intent": {
        "action": "deploy", "cloud": "aws", "platform": "eks", "region": "ap-northeast-2", "environment": "staging",
        "stack": "staging-redis",
        "app": {"name": "redis", "image": "redis", "tag": "7.4.1", "port": 6379, "namespace": "staging",
                "run_as_root": True, "privileged": True},
    },
}


def with_stack(request: dict, stack: str) -> dict:
    """The same request on another stack (tests must not share a target lock)."""
    return {**request, "intent": {**request["intent"], "stack": stack}}
