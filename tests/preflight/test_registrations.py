"""The light record of registrations speaks the engine's wire encoding, the same as the SDK's."""

from pulumi.runtime import rpc

from preflight.registrations import SECRET_SIG, SIG_KEY, UNKNOWN, plain, secret_paths


def test_wire_constants_are_the_sdks() -> None:
    assert (rpc._special_sig_key, rpc._special_secret_sig, rpc.UNKNOWN) == (SIG_KEY, SECRET_SIG, UNKNOWN)


def test_secrets_and_unknowns_are_found_and_redacted() -> None:
    value = {"a": {SIG_KEY: SECRET_SIG, "value": "hunter2"}, "b": [1, {SIG_KEY: SECRET_SIG, "value": 2}], "c": UNKNOWN}
    assert secret_paths(value) == ["a", "b[1]"]
    assert plain(value) == {"a": "[secret]", "b": [1, "[secret]"], "c": "[unknown]"}
