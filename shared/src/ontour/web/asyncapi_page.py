"""A plain, script-free HTML view of a service's AsyncAPI document.

FastStream's own viewer loads its scripts from a CDN and offers a live "try it out" that
publishes to the real broker; this page does neither.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_env = Environment(
    loader=PackageLoader("ontour.web", "templates"),
    autoescape=select_autoescape(),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node.get(part, {})
    return node if isinstance(node, dict) else {}


def render_asyncapi_page(document: dict[str, Any]) -> str:
    channels = document.get("channels", {})
    operations = []
    for op_name, op in document.get("operations", {}).items():
        channel = _resolve(document, op.get("channel", {}).get("$ref", ""))
        messages = []
        for message_ref in op.get("messages", []):
            message = _resolve(document, message_ref.get("$ref", ""))
            if "$ref" in message:
                message = _resolve(document, message["$ref"])
            payload = message.get("payload", {})
            if "$ref" in payload:
                payload = _resolve(document, payload["$ref"])
            messages.append({"title": message.get("title", ""), "schema": payload})
        operations.append(
            {
                "name": op_name,
                "action": "publiceert" if op.get("action") == "send" else "ontvangt",
                "address": channel.get("address", ""),
                "description": channel.get("description", ""),
                "messages": messages,
            }
        )
    return _env.get_template("asyncapi.html").render(
        info=document.get("info", {}),
        operations=operations,
        channels=channels,
        schemas=document.get("components", {}).get("schemas", {}),
    )
