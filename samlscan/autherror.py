"""SonarQube's AUTHENTICATION-ERROR cookie: the failure text it carries."""
from __future__ import annotations

import json


def auth_error_text(value: str) -> str:
    """The public failure text of an AUTHENTICATION-ERROR value (already URL-decoded).

    SonarQube up to 10.x stores the message itself; later versions store a JSON object,
    `{"error_message": "<text>"[, "error": "<request's error parameter>"]}`, written by Gson, which
    escapes ' < > & = as \\u0027... (SonarSource/sonarqube AuthenticationError.addErrorCookie,
    commit 009a5fcfe052c70ee187ddf7d1340971b35a370d): read back, it is the message again.
    """
    text = value.strip()
    if not text.startswith("{"):
        return value
    try:
        obj = json.loads(text)
    except ValueError:
        return value
    said = obj.get("error_message") if isinstance(obj, dict) else None
    return said if isinstance(said, str) and said.strip() else value
