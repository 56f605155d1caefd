"""Who is asking: the principal every page and API route authorizes against.

The authentication layer (session cookie, API token) sets ``request.state.principal``; routes depend on
:func:`current_principal` or :func:`require_role`. With nothing set the caller is anonymous, which sees
only public records (:mod:`presswatch.publish.visibility`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from fastapi import HTTPException, Request

__all__ = ["ANONYMOUS", "ROLES", "Principal", "Role", "current_principal", "require_role"]

Role = Literal["anonymous", "viewer", "editor", "admin"]
ROLES: tuple[Role, ...] = ("anonymous", "viewer", "editor", "admin")


@dataclass(frozen=True)
class Principal:
    """A caller: a role, and the user behind it (``None`` for anonymous and probe callers)."""

    role: Role = "anonymous"
    user_id: int | None = None
    name: str = ""
    via: Literal["anonymous", "session", "token"] = "anonymous"

    def at_least(self, role: Role) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def sees_private(self) -> bool:
        """Signed-in viewers and above see private records; anonymous visitors only public ones."""
        return self.at_least("viewer")


ANONYMOUS = Principal()


def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the caller the authentication layer recognised, or :data:`ANONYMOUS`."""
    principal = getattr(request.state, "principal", None)
    return principal if isinstance(principal, Principal) else ANONYMOUS


def require_role(role: Role) -> Callable[[Request], Principal]:
    """FastAPI dependency factory: 401 for an anonymous caller, 403 for a signed-in one below ``role``."""

    def dependency(request: Request) -> Principal:
        principal = current_principal(request)
        if not principal.at_least(role):
            if principal.role == "anonymous":
                raise HTTPException(status_code=401, detail="sign in required")
            raise HTTPException(status_code=403, detail=f"needs the {role} role")
        return principal

    return dependency
