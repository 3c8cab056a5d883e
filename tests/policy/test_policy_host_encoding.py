"""The analyzer host's engine conventions that need no pack process: wire encoding, URNs, config reconciliation."""

from __future__ import annotations

import sys

import pytest

from preflight import analyzer_host, pack_process
from preflight.analyzer_host import (
    UNKNOWN,
    PackInfo,
    PolicyConfigError,
    PolicyInfo,
    Resource,
    Secret,
    make_urn,
    reconcile_policy_config,
    serialize_properties,
)


def test_secrets_and_unknowns_travel_as_the_engine_marshals_them():
    wire = serialize_properties({"value": Secret("s3cret"), "id": UNKNOWN, "list": (1, UNKNOWN), "nested": {"a": None}})
    assert wire == {
        "value": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "s3cret"},
        "id": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "list": [1, "04da6b54-80e4-46f7-96ec-b56ff0331ba9"],
        "nested": {"a": None},
    }
    assert "s3cret" not in repr(Secret("s3cret"))
    with pytest.raises(TypeError, match="JSON-like"):
        serialize_properties({"when": object()})


def test_requests_carry_options_and_the_parent_where_the_engine_puts_it():
    parent = "urn:pulumi:dev::p::motion-mavericks:index:NeonDatabase::db"
    resource = Resource(
        type="neon:index/project:Project",
        name="db",
        urn=make_urn("p", "dev", "neon:index/project:Project", "db", parent),
        parent=parent,
        protect=True,
        property_dependencies={"orgId": ["urn:a"], "name": []},
    )
    single = analyzer_host.build_analyze_request(resource)
    assert single.options.protect and single.options.parent == parent
    [stacked] = analyzer_host.build_analyze_stack_request([resource]).resources
    assert stacked.parent == parent and stacked.options.parent == ""
    assert dict(stacked.propertyDependencies).keys() == {"orgId"}


@pytest.mark.parametrize(
    ("parent", "expected"),
    [
        ("", "urn:pulumi:dev::p::vercel:index/project:Project::site"),
        ("urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", "urn:pulumi:dev::p::vercel:index/project:Project::site"),
        (
            "urn:pulumi:dev::p::motion-mavericks:index:VercelSite::admin",
            "urn:pulumi:dev::p::motion-mavericks:index:VercelSite$vercel:index/project:Project::site",
        ),
    ],
)
def test_urns_are_qualified_by_the_parent_type(parent, expected):
    assert make_urn("p", "dev", "vercel:index/project:Project", "site", parent) == expected


INFO = PackInfo(
    name="pack",
    version="1.0.0",
    display_name="",
    description="",
    supports_config=True,
    policies=(
        PolicyInfo(
            name="limits",
            display_name="",
            description="",
            enforcement_level="mandatory",
            policy_type="resource",
            config_schema={"properties": {"days": {"type": "integer", "default": 7}, "names": {"type": "array"}}},
        ),
        PolicyInfo(
            name="plain",
            display_name="",
            description="",
            enforcement_level="advisory",
            policy_type="",
            config_schema={},
        ),
    ),
    initial_config={},
)


def test_reconcile_fills_defaults_then_applies_all_then_each_policy():
    assert reconcile_policy_config(INFO, None) == {"limits": ("mandatory", {"days": 7}), "plain": ("advisory", None)}
    given = {"all": "disabled", "limits": {"names": ["x"]}, "plain": {"enforcementLevel": "mandatory"}}
    result = reconcile_policy_config(INFO, given)
    assert result["limits"] == ("disabled", {"days": 7, "names": ["x"]})
    assert result["plain"] == ("mandatory", None)


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({"limits": {"days": "7"}}, "limits: days: '7' is not of type 'integer'"),
        ({"limits": "strict"}, "'strict' is not a valid enforcement level"),
        ({"limits": 3}, "must be a string or object"),
        ({"limits": {"enforcementLevel": 1}}, "is not a string"),
    ],
)
def test_reconcile_refuses_what_the_engine_refuses(given, error):
    with pytest.raises(PolicyConfigError) as raised:
        reconcile_policy_config(INFO, given)
    assert error in str(raised.value)


def test_the_pack_runs_in_its_own_virtualenv_when_there_is_one(tmp_path):
    project = {"runtime": {"name": "python", "options": {"virtualenv": "venv"}}}
    assert pack_process.pack_python(tmp_path, project) == sys.executable
    interpreter = tmp_path / "venv" / "bin" / "python"
    interpreter.parent.mkdir(parents=True)
    interpreter.write_text("")
    assert pack_process.pack_python(tmp_path, project) == str(interpreter)
    assert pack_process.pack_python(tmp_path, {"runtime": "python"}) == sys.executable


def test_config_reaches_the_pack_as_the_engine_encodes_it():
    assert pack_process.config_env({"p:env": "prod", "p:tags": {"a": 1}, "p:n": 3}) == (
        '{"p:env": "prod", "p:tags": "{\\"a\\": 1}", "p:n": "3"}'
    )
