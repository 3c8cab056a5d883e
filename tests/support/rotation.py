"""The three vendors the Neon password rotation talks to (Neon, 1Password Connect, Vercel), on local servers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.ops.fakes import NEON_KEY, OP_TOKEN, VERCEL_TOKEN, FakeConnect, FakeNeon, FakeVercel

VAULT_ID = "vaultfakeprod0000000000001"
ITEM_ID = "itemneonportalapp000000001"
PROJECTS = {"admin": "mm-portal-admin-prod", "agency": "mm-portal-agency-prod", "guest": "mm-portal-guest-prod"}


@dataclass
class Vendors:
    neon: FakeNeon
    connect: FakeConnect
    vercel: FakeVercel
    journal_dir: Path

    def env(self, **changes: str | None) -> dict[str, str]:
        env = {
            "NEON_API_KEY": NEON_KEY,
            "NEON_API_BASE_URL": self.neon.base_url,
            "OP_CONNECT_HOST": self.connect.base_url,
            "OP_CONNECT_TOKEN": OP_TOKEN,
            "VERCEL_API_TOKEN": VERCEL_TOKEN,
            "VERCEL_API_BASE_URL": self.vercel.base_url,
            "VENDOR_API_BACKOFF_FACTOR": "0",
        }
        env.update(changes)
        return {key: value for key, value in env.items() if value is not None}

    def mutations(self) -> list:
        return self.neon.mutations() + self.connect.mutations() + self.vercel.mutations()

    def journal_text(self) -> str:
        return "".join(p.read_text() for p in self.journal_dir.glob("*")) if self.journal_dir.exists() else ""
