"""The one catalog of resource types (catalog.py): complete for what the program registers, and in step with
the policy pack's own copy (policy/mm_policies/tokens.py), which the pack keeps to stay self-contained."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from types import ModuleType

import pytest

import catalog
from tests.support.program import run_stack
from tests.support.project import ROOT, STACKS

POLICY = ROOT / "policy"
if str(POLICY) not in sys.path:  # the pack's package, as the engine's working directory has it
    sys.path.insert(0, str(POLICY))


def pack_tokens() -> ModuleType:
    """The pack's tokens module, loaded from its file."""
    spec = importlib.util.spec_from_file_location("pack_tokens", POLICY / "mm_policies" / "tokens.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pack_token_constants() -> dict[str, str]:
    tokens = pack_tokens()
    return {name: value for name, value in vars(tokens).items() if name.isupper() and isinstance(value, str)}


def test_every_type_the_token_of_the_pack_names_is_in_the_catalog_under_the_same_constant() -> None:
    for name, value in pack_token_constants().items():
        assert getattr(catalog, name, None) == value, f"policy/mm_policies/tokens.py {name} = {value!r}"
        if name.endswith("_PREFIX") or name.endswith("_KIND"):
            continue
        assert value in catalog.TYPES, f"policy/mm_policies/tokens.py {name}: {value!r} is not in catalog.TYPES"


def test_the_places_agree_with_the_pack() -> None:
    assert {code: place.short for code, place in catalog.REGIONS.items()} == pack_tokens().PLACES


def test_the_daily_backup_is_recognised_by_the_same_kind() -> None:
    assert catalog.TYPES[catalog.UPSTASH_DAILY_BACKUP].kind == pack_tokens().UPSTASH_DAILY_BACKUP_KIND


def test_every_type_with_a_region_is_judged_by_the_packs_residency_policy() -> None:
    """A type whose inputs place data must be one the pack's au-data-residency names, or of a service that has
    no Australian region (all of whose resources the pack blocks without an exception)."""
    from mm_policies import residency

    named = set(pack_token_constants().values())
    no_au = {s.key for s in catalog.SERVICES.values() if s.no_au_region}
    assert set(residency.NO_AU_REGION) == no_au
    for kind in catalog.TYPES.values():
        if kind.residency is None or kind.service in no_au:
            continue
        assert kind.token in named, f"{kind.token}: in the residency table but not in the pack's tokens"


def test_the_data_stores_the_pack_protects_are_exactly_what_holds_data_in_the_catalog() -> None:
    from mm_policies import protection

    assert set(protection.DATA_STORES) == set(catalog.data_types())


@pytest.mark.parametrize("stack", STACKS)
def test_every_type_the_program_registers_is_in_the_catalog(stack: str) -> None:
    run = run_stack(stack)
    kinds = {r.type for r in run.registrations}
    ours = (catalog.COMPONENT_PREFIX, catalog.ENGINE_PREFIX)
    missing = sorted(k for k in kinds if not k.startswith(ours) and k not in catalog.TYPES)
    assert missing == [], "add these to catalog.TYPES (see its docstring)"
    for kind in kinds - set(catalog.TYPES):
        assert kind.startswith(ours)


def test_every_type_names_a_known_service_and_backs_up_a_data_type() -> None:
    for kind in catalog.TYPES.values():
        assert kind.service in catalog.SERVICES
        if kind.backs_up is not None:
            assert catalog.TYPES[kind.backs_up].holds_data, kind.token
            assert kind.backup_link, f"{kind.token}: which input names the resource it backs up?"


def test_places_are_named_for_a_reader() -> None:
    assert catalog.place_name("syd1") == "Sydney, Australia"
    assert catalog.place_name("aws-us-east-1") == "N. Virginia, USA"
    assert catalog.place_name("ap-southeast-1") == "Singapore"
    assert catalog.place_name("nowhere-1") is None
    assert catalog.places_in("ap-southeast-2, read us-east-1") == ["Sydney, Australia", "N. Virginia, USA"]
    assert catalog.places_in("Sentry data storage (https://de.sentry.io/api/)") == ["Frankfurt, Germany (EU)"]


def test_the_catalog_imports_no_pulumi_sdk() -> None:
    code = "import sys, catalog; print(sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi')))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
