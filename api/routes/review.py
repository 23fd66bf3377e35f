"""/v1/review: the responder's drafts that wait for a person; approve (optionally edited,
then sent) or reject with a reason. Anyone who may decide approvals may use it; a draft to a
customer with an open escalation only the owner may approve."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Response, status
from fastapi.exceptions import RequestValidationError

from agent.responder import review
from api.auth.dependencies import get_container, require
from api.auth.rate_limit import rate_limit
from api.auth.roles import Permission
from api.composition import Container
from api.errors import (
    ERROR_RESPONSES,
    NOT_FOUND_RESPONSE,
    ErrorResponse,
    ForbiddenError,
    ResourceConflictError,
)
from api.schemas.review import (
    ApproveIn,
    RejectIn,
    ReviewItemOut,
    ReviewList,
    ReviewOutcomeOut,
)
from memory.repositories.staff import Principal

router = APIRouter(
    prefix="/v1/review",
    tags=["review"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(rate_limit)],
)

ContainerDep = Annotated[Container, Depends(get_container)]
Decider = Annotated[Principal, Depends(require(Permission.APPROVALS_DECIDE))]
_CONFLICT: dict[int | str, dict[str, object]] = {
    409: {
        "model": ErrorResponse,
        "description": "Not in a state to decide, or blocked by the policy (the message "
        "lists the reason codes: `approval blocked: a, b`)",
    },
}


def _invalid(field: str, exc: review.ReviewInputError) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", field), "msg": str(exc), "type": "value"}])


@router.get("", response_model=ReviewList, summary="Drafts waiting for review, oldest first")
async def list_review(
    principal: Decider,
    container: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many.")] = 100,
) -> ReviewList:
    async with container.database.transaction() as s:
        items = await review.list_pending(s, limit=limit)
    return ReviewList(items=[ReviewItemOut.model_validate(i) for i in items])


@router.get(
    "/{ref}",
    response_model=ReviewItemOut,
    responses=NOT_FOUND_RESPONSE,
    summary="One review item by id or id prefix, with what would block its approval now",
)
async def get_review(ref: str, principal: Decider, container: ContainerDep) -> ReviewItemOut:
    async with container.database.transaction() as s:
        item = await review.get(s, ref, now=container.clock(), role=principal.role)
    return ReviewItemOut.model_validate(item)


@router.post(
    "/{ref}/approve",
    response_model=ReviewOutcomeOut,
    responses={
        **NOT_FOUND_RESPONSE,
        **_CONFLICT,
        202: {"model": ReviewOutcomeOut, "description": "Approved; the send failed, retry"},
    },
    summary="Approve a draft (optionally edited) and send it",
)
async def approve_review(
    ref: str,
    principal: Decider,
    container: ContainerDep,
    response: Response,
    body: Annotated[ApproveIn | None, Body()] = None,
) -> ReviewOutcomeOut:
    edit = body or ApproveIn()
    try:
        outcome = await review.approve(
            container.database,
            container.mailbox,
            ref,
            by=principal.user_id,
            role=principal.role,
            body=edit.body,
            subject=edit.subject,
            now=container.clock(),
        )
    except review.ReviewForbiddenError as exc:
        raise ForbiddenError(
            "the recipient has an open escalation: only the owner may approve "
            f"({', '.join(exc.reasons)})"
        ) from exc
    except review.ReviewBlockedError as exc:
        raise ResourceConflictError(str(exc)) from exc
    except review.ReviewInputError as exc:
        raise _invalid("body", exc) from exc
    if outcome.delivery_error is not None:
        response.status_code = status.HTTP_202_ACCEPTED
    return ReviewOutcomeOut.model_validate(outcome)


@router.post(
    "/{ref}/reject",
    response_model=ReviewOutcomeOut,
    responses={**NOT_FOUND_RESPONSE, **_CONFLICT},
    summary="Reject a draft with a reason; nothing is sent",
)
async def reject_review(
    ref: str, body: RejectIn, principal: Decider, container: ContainerDep
) -> ReviewOutcomeOut:
    try:
        outcome = await review.reject(
            container.database,
            ref,
            by=principal.user_id,
            reason=body.reason,
            now=container.clock(),
        )
    except review.ReviewInputError as exc:
        raise _invalid("reason", exc) from exc
    return ReviewOutcomeOut.model_validate(outcome)
