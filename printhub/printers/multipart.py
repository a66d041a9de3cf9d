"""A multipart/form-data body for the printers' upload endpoints (the text fields first,
the file last: Moonraker streams an upload and reads fields such as ``checksum`` before
the file ends)."""

from __future__ import annotations

import uuid


def multipart_body(field: str, filename: str, content: bytes, **fields: str) -> tuple[bytes, str]:
    """(body, Content-Type) of a form with some text fields and one file."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{quoted}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
    )
    parts.append(content)
    parts.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
