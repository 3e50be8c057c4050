"""Staff PIN hashes leave a shop only encrypted (AES-256-GCM, a key derived from the chain
secret with HKDF): a 4–8 digit PIN's hash in a readable folder is as good as the PIN, since
every PIN can be tried against it in minutes. The file's HMAC signs the sealed text.

The shop's own ``sync_event`` rows keep the hash as the ``staff`` table does; a deferred event
from another shop is stored as it came, sealed.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEALED = "pin_sealed"
_PLAIN = "pin_hash"
_VERSION = "v1:"


def _key(secret: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"loyalty-counter staff pins",
        info=b"pin hash v1",
    ).derive(secret)


def seal(secret: bytes, staff_uuid: str, pin_hash: str) -> str:
    """``pin_hash`` encrypted for the chain, bound to its account (the uuid is authenticated)."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key(secret)).encrypt(nonce, pin_hash.encode(), staff_uuid.encode())
    return _VERSION + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(secret: bytes, staff_uuid: str, text: str) -> str | None:
    """The hash inside ``text``, or None when it was not sealed for this chain and account."""
    if not isinstance(text, str) or not text.startswith(_VERSION):
        return None
    try:
        raw = base64.urlsafe_b64decode(text[len(_VERSION) :].encode("ascii"))
        plain = AESGCM(_key(secret)).decrypt(raw[:12], raw[12:], staff_uuid.encode())
    except (ValueError, InvalidTag, UnicodeError):
        return None
    return plain.decode("utf-8", errors="replace")


def seal_payload(secret: bytes, kind: str, payload: str) -> str:
    """An event's payload as it goes into a file: a staff event's hash sealed."""
    if kind != "staff":
        return payload
    data: dict[str, Any] = json.loads(payload)
    pin_hash = data.pop(_PLAIN, None)
    if pin_hash is not None:
        data[SEALED] = seal(secret, str(data["uuid"]), str(pin_hash))
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
