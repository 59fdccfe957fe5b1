from __future__ import annotations

from janitor.core.errors import AppError, BadRequest, NotFound


class OperatorsOnly(AppError):
    status_code = 403
    code = "operators_only"
    message = (
        "Only the service's operators can use this. An operator is granted on the server's command line "
        "(janitor operator grant EMAIL)."
    )


class TenantNotFound(NotFound):
    code = "tenant_not_found"
    message = "No account has this id."


class CannotDisableSelf(BadRequest):
    code = "cannot_disable_self"
    message = (
        "You cannot disable your own account: you would be signed out of the console at once. "
        "Ask another operator, or use janitor accounts disable EMAIL on the server."
    )
