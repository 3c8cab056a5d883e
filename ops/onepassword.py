"""The subset of the 1Password Connect server's REST API the operator commands use: find a vault and an
item by name, read and replace an item's password field.

Authentication: `Authorization: Bearer $OP_CONNECT_TOKEN`; the server is `OP_CONNECT_HOST` (your Connect
deployment, e.g. `https://op-connect.internal:8080`). Paths are `/v1/...` below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from vendor_api import VendorAPIError, VendorClient

VENDOR = "1Password Connect"
PASSWORD_FIELD = "password"


@dataclass(frozen=True)
class ItemRef:
    vault: str
    vault_id: str
    item: str
    item_id: str
    version: int


class OnePasswordConnect:
    def __init__(self, host: str, token: str) -> None:
        self.client = VendorClient(
            VENDOR,
            f"{host.rstrip('/')}/v1",
            credential_hint="OP_CONNECT_TOKEN (and OP_CONNECT_HOST)",
            bearer_token=token,
        )

    def find_item(self, vault: str, item: str) -> ItemRef:
        """The item titled `item` in the vault named `vault`, which must have a password field."""
        vaults = self.client.request("GET", "/vaults", params={"filter": f'name eq "{vault}"'}) or []
        vault_ids = [v["id"] for v in vaults if v.get("name") == vault]
        if len(vault_ids) != 1:
            found = "no vault" if not vault_ids else f"{len(vault_ids)} vaults"
            raise VendorAPIError(
                VENDOR,
                f"{found} named {vault!r} visible to OP_CONNECT_TOKEN; the Connect server needs access to it "
                f"(docs/secrets.md, '1Password layout')",
            )
        vault_id = vault_ids[0]
        items = (
            self.client.request("GET", f"/vaults/{quote(vault_id)}/items", params={"filter": f'title eq "{item}"'})
            or []
        )
        item_ids = [i["id"] for i in items if i.get("title") == item]
        if len(item_ids) != 1:
            found = "no item" if not item_ids else f"{len(item_ids)} items"
            raise VendorAPIError(
                VENDOR,
                f"{found} titled {item!r} in vault {vault!r}; create exactly one (category Database, with a "
                f"'{PASSWORD_FIELD}' field; docs/secrets.md)",
            )
        full = self._get(vault_id, item_ids[0], vault, item)
        _password_field(full, vault, item)
        return ItemRef(vault, vault_id, item, item_ids[0], int(full.get("version", 0)))

    def read_password(self, ref: ItemRef) -> tuple[str, int]:
        """The item's password and its current version."""
        full = self._get(ref.vault_id, ref.item_id, ref.vault, ref.item)
        value = _password_field(full, ref.vault, ref.item).get("value")
        if not isinstance(value, str) or not value:
            raise VendorAPIError(VENDOR, f"item {ref.item!r} in vault {ref.vault!r} has an empty password field")
        return value, int(full.get("version", 0))

    def store_password(self, ref: ItemRef, password: str) -> int:
        """Replace the item's password (1Password keeps the previous one in the item's history) and return
        the item's new version."""
        full = self._get(ref.vault_id, ref.item_id, ref.vault, ref.item)
        _password_field(full, ref.vault, ref.item)["value"] = password
        answer = self.client.request(
            "PUT",
            f"/vaults/{quote(ref.vault_id)}/items/{quote(ref.item_id)}",
            json=full,
            not_found=f"item {ref.item!r} in vault {ref.vault!r} no longer exists",
        )
        if not isinstance(answer, dict) or "version" not in answer:
            raise VendorAPIError(VENDOR, f"replacing item {ref.item!r} answered without the item's version", 200)
        return int(answer["version"])

    def _get(self, vault_id: str, item_id: str, vault: str, item: str) -> dict[str, Any]:
        answer = self.client.request(
            "GET",
            f"/vaults/{quote(vault_id)}/items/{quote(item_id)}",
            not_found=f"item {item!r} ({item_id}) in vault {vault!r} not found",
        )
        if not isinstance(answer, dict):
            raise VendorAPIError(VENDOR, f"item {item!r} in vault {vault!r}: answer is not an item", 200)
        return answer


def _password_field(item: dict[str, Any], vault: str, title: str) -> dict[str, Any]:
    fields = item.get("fields") or []
    field = next((f for f in fields if f.get("purpose") == "PASSWORD"), None) or next(
        (f for f in fields if PASSWORD_FIELD in (f.get("id"), f.get("label"))), None
    )
    if field is None:
        raise VendorAPIError(
            VENDOR, f"item {title!r} in vault {vault!r} has no password field (purpose PASSWORD or label 'password')"
        )
    return field
