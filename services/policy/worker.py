"""Celery entry of the policy service: `celery -A services.policy.worker worker -Q policy`.

Runs in its own environment (.venv-policy / its own image): checkov's pinned HCL parser
must never meet the terraform service's python-hcl2 8.x.
"""

from celery.signals import worker_init, worker_process_init

from shared.celery_app import create_celery_app
from shared.logging import configure_logging
from shared.settings import get_settings

configure_logging()
app = create_celery_app("mcpcloud-policy")
app.conf.imports = ("services.policy.tasks",)


@worker_init.connect
def _configure(**_: object) -> None:
    """Load the guardrail pack (and the operator's policy folder), warm checkov, before
    forking; scan results are shared with the other policy processes through Redis."""
    from services.policy.scan_store import RedisScanStore
    from services.policy.scanner import configure

    settings = get_settings()
    store = (
        RedisScanStore.from_url(settings.redis_url, settings.policy_scan_cache_ttl_s)
        if settings.policy_scan_cache_ttl_s > 0
        else None
    )
    configure(extra_policies_dir=settings.policy_extra_checks_dir, shared_store=store,
              cpu_limit_s=settings.policy_scan_cpu_limit_s)


@worker_process_init.connect
def _limit_memory(**_: object) -> None:
    """Each pool process gets the scan memory budget: a scan past it ends in an error
    verdict, not in the OOM killer taking the worker."""
    from services.policy.budget import limit_memory

    limit_memory(get_settings().policy_scan_memory_mb)
