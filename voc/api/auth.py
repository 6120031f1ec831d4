"""Bearer-token authentication for the API; session cookies are never accepted (the API skips CSRF)."""

from functools import wraps

from flask import g, jsonify, request

from voc.services import api_tokens


def problem(status: int, message: str, errors: list[dict] | None = None, **headers):
    """A JSON error response: {"error": message, "errors": [{"field", "message", "index"?}]}."""
    body: dict = {"error": message}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers)
    return response


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_required(role: str):
    """Let a live token whose user has `role` or a higher one in: 401 without one, 403 if outranked."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = bearer_token()
            user = api_tokens.authenticate(token) if token else None
            if user is None:
                message = (
                    "This token is unknown or revoked."
                    if token
                    else "Send a personal API token: Authorization: Bearer <token> "
                    "(make one under My account)."
                )
                return problem(401, message, **{"WWW-Authenticate": 'Bearer realm="voc"'})
            if not user.has_role(role):
                return problem(
                    403, f"Your role ({user.role}) does not allow this; it needs {role} or higher."
                )
            g.api_user = user
            return view(*args, **kwargs)

        wrapper.required_role = role
        return wrapper

    return decorator
