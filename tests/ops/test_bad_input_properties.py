"""Bad input to the operator commands and the vendor client, generated: one clear message, exit 2, no secret.

Hypothesis generates the damaged inputs of issue 11's point 9 that these parts own: credentials in the
environment with a line break or a character outside ASCII, malformed tuning variables, rotation journals
of the wrong shape, and vendor error bodies with a secret anywhere in them. Each property is the promise
itself: a refusal names the variable or file and what is allowed, exits 2 (never a traceback, never 1 or
3 for a user's mistake), and never shows the secret, whatever its shape.

The commands run in-process with an unreachable vendor (127.0.0.1:9): every refusal here happens before
any call, so a property that let a bad input through would show as a different exit code.
"""

from __future__ import annotations

import json
import math
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ops.rotate_neon_password import CREDENTIALS, SECRET_CREDENTIALS, main
from vendor_api import VendorSettingError
from vendor_api.http import MAX_BACKOFF_FACTOR, MAX_DEADLINE_SECONDS, backoff_factor, deadline_seconds, shorten

UNREACHABLE = "http://127.0.0.1:9"
SAFE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TOKEN_CHARS = string.ascii_letters + string.digits + "-_."
# Characters that make a credential unusable in a header: line breaks, other whitespace and control
# characters, and anything outside ASCII (Latin-1 letters, typographic quotes, emoji, ...).
BAD_CHARS = st.one_of(
    st.sampled_from("\n\r\t \x00\x07\x7f"),
    st.characters(min_codepoint=0x80, max_codepoint=0x10FFFF, exclude_categories=("Cs",)),
)


def environment(**overrides: str) -> dict[str, str]:
    env = {
        "NEON_API_KEY": "neon-fake-key-for-property-tests-01",
        "OP_CONNECT_HOST": UNREACHABLE,
        "OP_CONNECT_TOKEN": "op-fake-token-for-property-tests-02",
        "VERCEL_API_TOKEN": "vercel-fake-token-for-property-tests-03",
        "NEON_API_BASE_URL": UNREACHABLE,
        "VERCEL_API_BASE_URL": UNREACHABLE,
    }
    env.update(overrides)
    return env


def rotate(capsys: pytest.CaptureFixture[str], journal_dir: Path, env: dict[str, str], *extra: str):
    code = main(["--stack", "prod", "--role", "portal_app", "--journal-dir", str(journal_dir), *extra], environ=env)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def quick_vendor_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VENDOR_API_BACKOFF_FACTOR", "0")
    monkeypatch.delenv("VENDOR_API_DEADLINE_SECONDS", raising=False)


# --- credentials with a line break or a character outside ASCII ---------------------------------------


@SAFE
@given(
    name=st.sampled_from(sorted(CREDENTIALS)),
    head=st.text(TOKEN_CHARS, min_size=0, max_size=30),
    bad=BAD_CHARS,
    tail=st.text(TOKEN_CHARS, min_size=0, max_size=30),
)
@example(name="NEON_API_KEY", head="neon-key-pasted-with-its-newline", bad="\n", tail="")
@example(name="VERCEL_API_TOKEN", head="tok", bad="\u2014", tail="en")
def test_a_damaged_credential_is_named_never_shown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, head: str, bad: str, tail: str
) -> None:
    value = head + bad + tail
    code, out, err = rotate(capsys, tmp_path, environment(**{name: value}))
    assert code == 2, err
    assert f"{name}: holds " in err and "(value not shown); allowed: visible ASCII characters only" in err
    assert "Traceback" not in out + err
    shown = out + err
    if name in SECRET_CREDENTIALS:
        for part in (value, head, tail):
            if len(part) >= 6:
                assert part not in shown


# --- tuning variables -------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(["VENDOR_API_BACKOFF_FACTOR", "VENDOR_API_DEADLINE_SECONDS"]),
    raw=st.one_of(
        st.text(max_size=50),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(min_value=-(10**9), max_value=10**9).map(str),
    ),
)
@example(name="VENDOR_API_DEADLINE_SECONDS", raw="0")
@example(name="VENDOR_API_BACKOFF_FACTOR", raw="nan")
@example(name="VENDOR_API_DEADLINE_SECONDS", raw="1e400")
def test_a_tuning_variable_is_a_number_in_range_or_one_clear_refusal(name: str, raw: str) -> None:
    read, high, zero_ok = (
        (backoff_factor, MAX_BACKOFF_FACTOR, True)
        if name == "VENDOR_API_BACKOFF_FACTOR"
        else (deadline_seconds, MAX_DEADLINE_SECONDS, False)
    )
    with pytest.MonkeyPatch.context() as patch:
        if "\x00" in raw:  # an environment variable cannot hold NUL: the shell would have cut it there
            raw = raw.replace("\x00", "")
        patch.setenv(name, raw)
        try:
            value = read()
        except VendorSettingError as error:
            message = str(error)
            assert message.startswith(f"vendor API: {name}: found ") and "; allowed: a number of seconds" in message
            return
    if raw.strip() == "":
        return  # unset and empty mean the default
    assert math.isfinite(value) and value <= high and (value >= 0 if zero_ok else value > 0)


# --- rotation journals of the wrong shape --------------------------------------------------------------

VALID_JOURNAL = {
    "stack": "prod",
    "role": "portal_app",
    "state": "stored",
    "neon": {
        "projectId": "fake-project-123456",
        "projectName": "mm-portal-prod",
        "branchId": "br-fake-main-123456",
        "branchName": "main",
        "host": "ep-fake-host-123456.ap-southeast-2.aws.neon.tech",
        "database": "portal",
        "appRole": "portal_app",
    },
    "onePassword": {
        "vault": "mm-portal-prod",
        "vaultId": "vaultfakeprod0000000000001",
        "item": "neon-portal_app",
        "itemId": "itemneonportalapp000000001",
        "versionBefore": 3,
        "version": 4,
    },
    "vercel": {"admin": {"project": "mm-portal-admin-prod", "done": False}},
    "log": [{"at": "2026-12-02T13:00:00+00:00", "event": "started"}],
}
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def damaged_journals(draw) -> object:
    """A journal this command could have written, with one part removed or replaced by another JSON value
    of a different type; or any JSON value at all."""
    if draw(st.booleans()):
        value = draw(JSON_VALUES)
        if isinstance(value, dict):
            value.pop("stack", None)  # never accidentally whole
        return value
    journal = json.loads(json.dumps(VALID_JOURNAL))
    path = draw(st.sampled_from(_paths(journal)))
    parent = journal
    for part in path[:-1]:
        parent = parent[part]
    original = parent[path[-1]]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
        if path[-1] == "version" or path[-2:] == ("vercel", "admin") or path[-1] == "admin":
            parent["unexpected"] = 1  # an optional or variable key: make the damage an unknown key instead
    else:
        parent[path[-1]] = draw(JSON_VALUES.filter(lambda v: type(v) is not type(original) and v is not None))
    return journal


@SAFE
@given(journal=damaged_journals())
@example(journal=[])
@example(journal={**VALID_JOURNAL, "state": "rolling-back"})
@example(journal={**VALID_JOURNAL, "role": "neondb_owner"})
def test_a_journal_of_the_wrong_shape_is_one_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory, journal: object
) -> None:
    journal_dir = tmp_path_factory.mktemp("journal")
    path = journal_dir / "prod-portal_app.json"
    path.write_text(json.dumps(journal))
    code, out, err = rotate(capsys, journal_dir, environment(), "--resume")
    assert code == 2, err
    assert err.startswith(f"error: journal {path} ") and "if no rotation is under way, delete it" in err
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    "raw", [b"\xff\xfe not utf-8", b"{", b"[" * 100_000 + b"]" * 100_000, b"", b'{"stack": "prod", "stack": 1']
)
def test_an_unreadable_journal_is_one_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, raw: bytes
) -> None:
    (tmp_path / "prod-portal_app.json").write_bytes(raw)
    code, out, err = rotate(capsys, tmp_path, environment(), "--resume")
    assert code == 2, err
    assert "cannot be read" in err and "Traceback" not in out + err


# --- secrets in vendor error bodies -----------------------------------------------------------------------

SECRET_ALPHABET = "QXZJKVWY"  # disjoint from the bodies' alphabet, so any match is the secret's own text
BODY_ALPHABET = string.ascii_lowercase + string.digits + " .,:;\n\t"


@settings(max_examples=300, deadline=None)
@given(
    secret=st.text(SECRET_ALPHABET, min_size=8, max_size=60),
    before=st.text(BODY_ALPHABET, max_size=400),
    after=st.text(BODY_ALPHABET, max_size=100),
    limit=st.integers(min_value=10, max_value=400),
    copies=st.integers(min_value=1, max_value=3),
)
def test_no_part_of_a_secret_survives_shortening(secret: str, before: str, after: str, limit: int, copies: int) -> None:
    body = before + (secret + " ") * copies + after
    shown = shorten(body, [secret], limit)
    assert len(shown) <= limit
    assert not any(ch in shown for ch in SECRET_ALPHABET), shown
