"""POST /api/v1/validate: a guardrail verdict on files sent directly, outside a run.

The gateway never imports checkov: it checks the upload's shape, sends `policy.scan_files`
to the policy queue and waits for the answer.
"""

from __future__ import annotations

from typing import Annotated

from celery.exceptions import TimeoutError as CeleryTimeout
from fastapi import APIRouter, File, Form, HTTPException, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import GuardrailVerdict, Persona, ScanRequest, ScanResponse
from shared.queues import Task

from services.gateway.deps import CeleryApp, Requester
from services.gateway.metrics import VALIDATIONS
from services.gateway.uploads import MAX_ARCHIVE_BYTES, UploadError, check_sizes, check_text, read_zip
from services.gateway.errors import COMMON, declare

router = APIRouter(prefix="/api/v1", tags=["guardrails"], responses=declare(*COMMON))
SCAN_TIMEOUT_SECONDS = 60


class ValidateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    persona: Persona = Persona.devops
    files: dict[str, str] = Field(min_length=1, description="relative path -> file text (.tf, .yaml)")


def _scan(celery, files: dict[str, str], persona: Persona) -> GuardrailVerdict:
    try:
        check_sizes(files)
        check_text(files)
    except UploadError as exc:
        raise HTTPException(exc.status, exc.message) from exc
    request = ScanRequest(files=files, persona=persona)
    result = celery.send_task(Task.policy_scan_files.value, args=(request.model_dump(mode="json"),),
                              queue=Task.policy_scan_files.queue.value)
    try:
        response = ScanResponse.model_validate(result.get(timeout=SCAN_TIMEOUT_SECONDS))
    except CeleryTimeout as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            f"the policy service did not answer within {SCAN_TIMEOUT_SECONDS}s; try again") from exc
    finally:
        result.forget()
    if response.error:
        VALIDATIONS.labels("invalid").inc()
        raise HTTPException(422, response.error)
    VALIDATIONS.labels(response.verdict.status).inc()
    return response.verdict


@router.post("/validate", response_model=GuardrailVerdict)
def validate_files(body: ValidateRequest, celery: CeleryApp, principal: Requester) -> GuardrailVerdict:
    """Scan Terraform files and Kubernetes manifests sent as JSON."""
    return _scan(celery, body.files, body.persona)


@router.post("/validate/archive", response_model=GuardrailVerdict)
def validate_archive(
    celery: CeleryApp, principal: Requester,
    archive: Annotated[UploadFile, File(description="a .zip of .tf and .yaml files")],
    persona: Annotated[Persona, Form()] = Persona.devops,
) -> GuardrailVerdict:
    """Scan a zip archive of Terraform files and Kubernetes manifests."""
    try:
        files = read_zip(archive.file.read(MAX_ARCHIVE_BYTES + 1))
    except UploadError as exc:
        raise HTTPException(exc.status, exc.message) from exc
    return _scan(celery, files, persona)

