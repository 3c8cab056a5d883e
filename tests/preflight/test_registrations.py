"""The light record of registrations speaks the engine's wire encoding, the same as the SDK's."""

from preflight.registrations import SECRET_SIG, SIG_KEY, UNKNOWN_WIRE, secret_paths, shown


def test_secrets_and_unknowns_are_found_and_redacted() -> None:
    value = {
        "a": {SIG_KEY: SECRET_SIG, "value": "hunter2"},
        "b": [1, {SIG_KEY: SECRET_SIG, "value": 2}],
        "c": UNKNOWN_WIRE,
    }
    assert secret_paths(value) == ["a", "b[1]"]
    assert shown(value) == {"a": "[secret]", "b": [1, "[secret]"], "c": "[unknown]"}
