"""Rotate Neon roles' passwords after provisioning: Neon -> 1Password -> the sites' DATABASE_URL in Vercel.

    python -m ops.rotate_neon_password --stack prod --all [--dry-run] [--resume]
    python -m ops.rotate_neon_password --stack prod --role portal_app [--dry-run] [--resume]

Why: Neon generates a role's password when Pulumi creates it, and the Neon provider writes two into
Pulumi's state: the project's owner role (the Project's `database_password` and `connection_uri`) and the
application role (the Role's `password`). `--all` rotates both, the owner role first (found through
Neon's API as the owner of the branch's first database, exactly as the provider finds it); `--role`
rotates one. Afterwards the passwords in the state no longer work; 1Password holds the only valid ones.
Runbook: docs/runbooks/rotate-neon-password.md.

Order, and why it is safe:
  1. Look everything up first (Neon project, branch, host and role; the 1Password item; each site's
     DATABASE_URL in Vercel), changing nothing. Most mistakes end here: exit 1, nothing changed.
  2. Reset the password in Neon; Neon returns the new one once.
  3. Store it in the stack's 1Password item at once, before anything depends on it. From here on
     1Password is where the password lives; this command never writes it anywhere else on disk.
  4. Set DATABASE_URL in each site's Vercel project.

The journal `.rotation/<stack>-<role>.json` records which steps completed (ids, the 1Password item's
version), never the password. A failure part-way exits 3 and says what to do: `--resume` continues,
reading the password back from 1Password after step 3, or resetting again if step 3 never completed (the
password was not saved anywhere). Nothing can be rolled back to the old password: Neon cannot restore
one, and the old one stops working when the reset's operations finish.

Exit codes (the convention of exit_codes.py): 0 done (or dry run shown); 1 a vendor refused, before
anything changed; 2 usage error (arguments, stack, missing credentials, a journal in the way) or a bug
before anything changed; 3 failed part-way (a bug included), resume with --resume; 130 Ctrl-C and 143
SIGTERM, after saying where the rotation stands. A bug is one message; its traceback, redacted, is in a
file readable only by you.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, ValidationError

import exit_codes
from ops.common import Console, OperatorError, base_url, require_env
from ops.neon import DEFAULT_BASE_URL as NEON_DEFAULT_BASE_URL
from ops.neon import Branch, NeonApi, Project
from ops.onepassword import PASSWORD_FIELD, ItemRef, OnePasswordConnect
from ops.vercel import DEFAULT_BASE_URL as VERCEL_DEFAULT_BASE_URL
from ops.vercel import Variable, VercelApi
from vendor_api import VendorAPIError, VendorSettingError, redact

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JOURNAL_DIR = ROOT / ".rotation"
VARIABLE = "DATABASE_URL"

EXIT_OK, EXIT_NOTHING_CHANGED, EXIT_USAGE, EXIT_PART_WAY = 0, 1, 2, 3

CREDENTIALS = {
    "NEON_API_KEY": "a Neon API key with access to the stack's project",
    "OP_CONNECT_HOST": "the URL of your 1Password Connect server",
    "OP_CONNECT_TOKEN": "a 1Password Connect token that can write the stack's vault",
    "VERCEL_API_TOKEN": "a Vercel token with access to the stack's team",
}
SECRET_CREDENTIALS = ("NEON_API_KEY", "OP_CONNECT_TOKEN", "VERCEL_API_TOKEN")
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def default_vault(stack: str) -> str:
    return f"mm-portal-{stack}"


def default_item(role: str) -> str:
    return f"neon-{role}"


@dataclass
class Plan:
    stack: str
    role: str
    database: str
    project: Project
    branch: Branch  # the project's default branch
    host: str  # the branch's read-write endpoint
    item: ItemRef
    sites: dict[str, str]  # site -> Vercel project; empty when the role is not the sites' role
    app_role: str
    variables: dict[str, list[Variable]] = field(default_factory=dict)  # pending sites only


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _NeonPart(_Strict):
    projectId: str
    projectName: str
    branchId: str
    branchName: str
    host: str
    database: str
    appRole: str


class _OnePasswordPart(_Strict):
    vault: str
    vaultId: str
    item: str
    itemId: str
    versionBefore: int
    version: int | None = None


class _Site(_Strict):
    project: str
    done: bool


class _LogEntry(_Strict):
    at: str
    event: str


class JournalShape(_Strict):
    """What `Journal.start` writes and `record` updates: checked whole before a journal is followed."""

    stack: str
    role: str
    state: Literal["resetting", "stored", "complete"]
    neon: _NeonPart
    onePassword: _OnePasswordPart
    vercel: dict[str, _Site]
    log: list[_LogEntry]


class Journal:
    """What a rotation has completed, for --resume. Never holds the password."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path, self.data = path, data

    @classmethod
    def load(cls, path: Path, stack: str, role: str) -> Journal | None:
        """The journal at `path`, checked against the shape this command writes (and for `stack` and
        `role`), or one error naming the file and the first problem: a damaged journal must never be
        half-followed."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, RecursionError) as error:
            reason = error.strerror if isinstance(error, OSError) else error.__class__.__name__
            raise OperatorError(
                f"journal {path} cannot be read ({reason}); if no rotation is under way, delete it", EXIT_USAGE
            ) from None
        try:
            JournalShape.model_validate(data, strict=True)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the top level"
            raise OperatorError(
                f"journal {path} is not a journal this command wrote: {where}: {first['msg']} "
                f"({error.error_count()} problem{'s' * (error.error_count() != 1)}); if no rotation is under way, "
                f"delete it",
                EXIT_USAGE,
            ) from None
        if (data["stack"], data["role"]) != (stack, role):
            raise OperatorError(
                f"journal {path} records stack {data['stack']!r} and role {data['role']!r}, not {stack!r} and "
                f"{role!r}; it was moved or edited; if no rotation is under way, delete it",
                EXIT_USAGE,
            )
        return cls(path, data)

    @classmethod
    def start(cls, path: Path, plan: Plan) -> Journal:
        data = {
            "stack": plan.stack,
            "role": plan.role,
            "state": "resetting",
            "neon": {
                "projectId": plan.project.id,
                "projectName": plan.project.name,
                "branchId": plan.branch.id,
                "branchName": plan.branch.name,
                "host": plan.host,
                "database": plan.database,
                "appRole": plan.app_role,
            },
            "onePassword": {
                "vault": plan.item.vault,
                "vaultId": plan.item.vault_id,
                "item": plan.item.item,
                "itemId": plan.item.item_id,
                "versionBefore": plan.item.version,
            },
            "vercel": {site: {"project": project, "done": False} for site, project in plan.sites.items()},
            "log": [],
        }
        journal = cls(path, data)
        journal.record("started; resetting the password in Neon")
        return journal

    @property
    def state(self) -> str:
        return str(self.data.get("state"))

    def record(self, event: str, **changes: Any) -> None:
        self.data.update(changes)
        self.data["log"].append({"at": datetime.now(UTC).isoformat(timespec="seconds"), "event": event})
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(self.data, out, indent=2)
            out.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)

    def plan(self) -> Plan:
        neon, op = self.data["neon"], self.data["onePassword"]
        return Plan(
            stack=self.data["stack"],
            role=self.data["role"],
            database=neon["database"],
            project=Project(neon["projectId"], neon["projectName"]),
            branch=Branch(neon["branchId"], neon["branchName"]),
            host=neon["host"],
            item=ItemRef(op["vault"], op["vaultId"], op["item"], op["itemId"], int(op.get("version", 0))),
            sites={site: entry["project"] for site, entry in self.data["vercel"].items()},
            app_role=neon["appRole"],
        )

    def pending_sites(self) -> list[str]:
        return [site for site, entry in self.data["vercel"].items() if not entry["done"]]

    def done_sites(self) -> list[str]:
        return [site for site, entry in self.data["vercel"].items() if entry["done"]]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ops.rotate_neon_password",
        description="Reset a Neon role's password, store it in the stack's 1Password item and set the sites' "
        "DATABASE_URL in Vercel. Credentials come from the environment: " + ", ".join(CREDENTIALS) + ".",
    )
    parser.add_argument("--stack", required=True, help="stack name, e.g. prod (reads Pulumi.<stack>.yaml)")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--role", help="one Neon role, e.g. portal_app (the stack's neon.appRole)")
    which.add_argument(
        "--all",
        action="store_true",
        help="every role whose password Pulumi's state holds: the project's owner role, then neon.appRole",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="look everything up, say what would change, change nothing"
    )
    parser.add_argument("--resume", action="store_true", help="continue a rotation that failed part-way")
    parser.add_argument("--vault", help="1Password vault (default: mm-portal-<stack>)")
    parser.add_argument("--item", help="1Password item (default: neon-<role>)")
    parser.add_argument(
        "--journal-dir", type=Path, default=DEFAULT_JOURNAL_DIR, help="where the journal lives (default: .rotation/)"
    )
    args = parser.parse_args(argv)
    if args.role is not None and not ROLE_NAME.fullmatch(args.role):
        parser.error(f"--role: found {args.role!r}; allowed: a Postgres role name matching {ROLE_NAME.pattern}")
    return args


class Rotation:
    def __init__(self, args: argparse.Namespace, console: Console, environ: dict[str, str] | None = None) -> None:
        self.args, self.console = args, console
        self.environ = dict(os.environ if environ is None else environ)
        self.journal: Journal | None = None

    def roles_in_state(self) -> list[str]:
        """For --all: the project's owner role and the application role, looked up without changing anything."""
        settings = self._settings()
        self._connect(settings)
        try:
            project, branch, _ = self.neon.default_branch(settings.neon.project_name, settings.neon.org_id)
            owner = self.neon.owner_role(project, branch)
        except VendorAPIError as error:
            raise OperatorError(f"{error}\nNothing was changed.", EXIT_NOTHING_CHANGED) from None
        return list(dict.fromkeys([owner, settings.neon.app_role]))

    def run(self) -> int:
        settings = self._settings()
        self._connect(settings)
        return self._run(settings)

    def _connect(self, settings) -> None:
        credentials = require_env(CREDENTIALS, self.environ)
        self.console.hide(*(credentials[name] for name in SECRET_CREDENTIALS))
        try:  # a base URL that is not https, a malformed VENDOR_API_* tuning variable: the operator's to fix
            self.neon = NeonApi(credentials["NEON_API_KEY"], base_url("Neon", NEON_DEFAULT_BASE_URL, self.environ))
            self.op = OnePasswordConnect(credentials["OP_CONNECT_HOST"], credentials["OP_CONNECT_TOKEN"])
            self.vercel = VercelApi(
                credentials["VERCEL_API_TOKEN"],
                settings.vercel.team,
                base_url("Vercel", VERCEL_DEFAULT_BASE_URL, self.environ),
            )
        except VendorSettingError as error:
            raise OperatorError(f"{error}\nNothing was changed.", EXIT_USAGE) from None

    def _run(self, settings) -> int:
        path = self.args.journal_dir / f"{self.args.stack}-{self.args.role}.json"
        journal = Journal.load(path, self.args.stack, self.args.role)
        if self.args.resume:
            if journal is None:
                raise OperatorError(f"nothing to resume: no journal {path}", EXIT_USAGE)
            if journal.state == "complete":
                self.console.say(f"Nothing to resume: the rotation recorded in {path} completed.")
                return EXIT_OK
            self.journal = journal
            plan = self._plan_from_journal(journal)
        else:
            if journal is not None and journal.state != "complete":
                raise OperatorError(
                    f"an unfinished rotation of role {self.args.role!r} for stack {self.args.stack!r} is recorded "
                    f"in {path} (state: {journal.state}). Continue it with --resume; starting over would reset "
                    f"the password again.",
                    EXIT_USAGE,
                )
            plan = self._resolve(settings)
        self._show(plan, path)
        if self.args.dry_run:
            self.console.say("Dry run: nothing was changed.")
            return EXIT_OK
        return self._execute(plan, path)

    # Step 1: look up everything, change nothing.
    def _settings(self):
        from components.settings import SettingsError, settings_from_stack_config
        from stack_config import Project, ProjectError

        try:
            values = Project.load(ROOT).stack_config(self.args.stack).values
            return settings_from_stack_config(values, self.args.stack)
        except (ProjectError, SettingsError) as error:
            raise OperatorError(str(error), EXIT_USAGE) from None

    def _resolve(self, settings) -> Plan:
        role = self.args.role
        try:
            project, branch, endpoint = self.neon.default_branch(settings.neon.project_name, settings.neon.org_id)
            self.neon.check_role(project, branch, role)
            item = self.op.find_item(
                self.args.vault or default_vault(self.args.stack), self.args.item or default_item(role)
            )
            sites = (
                {key: site.name for key, site in settings.vercel.sites.items()}
                if role == settings.neon.app_role
                else {}
            )
            plan = Plan(
                self.args.stack,
                role,
                settings.neon.database,
                project,
                branch,
                endpoint.host,
                item,
                sites,
                settings.neon.app_role,
            )
            self._look_up_variables(plan, list(sites))
        except VendorAPIError as error:
            raise OperatorError(f"{error}\nNothing was changed.", EXIT_NOTHING_CHANGED) from None
        return plan

    def _plan_from_journal(self, journal: Journal) -> Plan:
        plan = journal.plan()
        try:
            self._look_up_variables(plan, journal.pending_sites())
        except VendorAPIError as error:
            raise OperatorError(f"{error}\n{self._standing()}", EXIT_PART_WAY) from None
        return plan

    def _look_up_variables(self, plan: Plan, sites: Iterable[str]) -> None:
        for site in sites:
            project = plan.sites[site]
            variables = self.vercel.stack_wide_variables(project, VARIABLE)
            if not variables:
                raise VercelApi.no_such_variable(project, VARIABLE)
            plan.variables[site] = variables

    def _show(self, plan: Plan, path: Path) -> None:
        say = self.console.say
        verb = "Would rotate" if self.args.dry_run else "Rotating"
        say(f"{verb} the Neon password of role {plan.role!r} for stack {plan.stack!r}")
        stored = self.journal is not None and self.journal.state == "stored"
        p, b, i = plan.project, plan.branch, plan.item
        neon_action = "already reset" if stored else f"reset the password of role {plan.role}"
        op_action = "read it back from there" if stored else "store the new password there"
        say(f"  Neon       project {p.name} ({p.id}), branch {b.name} ({b.id}): {neon_action}")
        say(f"  1Password  vault {i.vault}, item {i.item} ({i.item_id}), field '{PASSWORD_FIELD}': {op_action}")
        if plan.sites:
            for site, variables in plan.variables.items():
                targets = ", ".join(sorted({target for v in variables for target in v.targets})) or "no environment"
                say(
                    f"  Vercel     {plan.sites[site]} ({site}): set {VARIABLE} in {targets} ({len(variables)} "
                    f"variable{'s' * (len(variables) != 1)}, host {plan.host}, database {plan.database})"
                )
        else:
            say(f"  Vercel     nothing: the sites' {VARIABLE} uses role {plan.app_role!r}, not {plan.role!r}")
        if self.journal is not None:
            done = ", ".join(self.journal.done_sites()) or "none"
            say(f"  Resuming   state {self.journal.state}; sites already updated: {done}")
        say(f"  Journal    {path}")

    # Steps 2 to 4.
    def _execute(self, plan: Plan, path: Path) -> int:
        say = self.console.say
        if self.journal is None or self.journal.state == "resetting":
            password = self._reset_and_store(plan, path)
        else:
            password = self._read_back(plan)
        for site in list(plan.variables):
            url = _database_url(plan, password)
            self.console.hide(url)
            try:
                for variable in plan.variables[site]:
                    self.vercel.set_value(variable, url)
            except VendorAPIError as error:
                raise OperatorError(f"{error}\n{self._standing()}", EXIT_PART_WAY) from None
            self.journal.data["vercel"][site]["done"] = True
            self.journal.record(f"Vercel {plan.sites[site]}: {VARIABLE} set")
            say(f"  Vercel: {VARIABLE} set in {plan.sites[site]}")
        self.journal.record("complete", state="complete")
        say(f"Done: role {plan.role!r} has a new password, stored in 1Password ({plan.item.vault}/{plan.item.item}).")
        if plan.sites:
            projects = ", ".join(plan.sites.values())
            say(
                f"Next: redeploy {projects}. Vercel gives a changed variable only to new deployments; the running "
                f"ones hold the old password, which stops working once Neon finishes the reset."
            )
        return EXIT_OK

    def _reset_and_store(self, plan: Plan, path: Path) -> str:
        say = self.console.say
        fresh = self.journal is None
        if self.journal is None:
            # Recorded before the call: if this process dies during it, --resume knows a reset may have happened.
            self.journal = Journal.start(path, plan)
        else:
            self.journal.record("resuming: resetting the password in Neon again")
        try:
            # Stored in 1Password before anything else, so no wait for Neon's operations can lose it.
            password = self.neon.reset_password(plan.project, plan.branch, plan.role, wait=False)
        except VendorAPIError as error:
            refused = error.status is not None and 400 <= error.status < 500 and error.status != 429
            if refused and fresh:  # Neon refused before acting, and no earlier attempt: nothing to resume
                self.journal.discard()
                self.journal = None
                raise OperatorError(
                    f"{error}\nNeon refused the reset: nothing was changed.", EXIT_NOTHING_CHANGED
                ) from None
            raise OperatorError(
                f"{error}\nNeon did not confirm the reset: the password of role {plan.role!r} may or may not have "
                f"changed, and no new password was saved. Run again with --resume: it resets the password again "
                f"and continues (the journal is {self.journal.path}).",
                EXIT_PART_WAY,
            ) from None
        self.console.hide(password, quote(password, safe=""))
        say(f"  Neon: password of role {plan.role!r} reset")
        try:
            version = self.op.store_password(plan.item, password)
        except VendorAPIError as error:
            self.journal.record("storing in 1Password failed; the new password was not saved")
            raise OperatorError(
                f"{error}\nThe password of role {plan.role!r} WAS reset in Neon, but storing it in 1Password failed, "
                f"so the new password is not saved anywhere (this command never writes it to disk). The old "
                f"password stops working once Neon finishes. Run again with --resume now: it resets the password "
                f"again, stores it and continues (the journal is {self.journal.path}).",
                EXIT_PART_WAY,
            ) from None
        self.journal.data["onePassword"]["version"] = version
        self.journal.record(f"stored in 1Password item {plan.item.item} version {version}", state="stored")
        plan.item = ItemRef(plan.item.vault, plan.item.vault_id, plan.item.item, plan.item.item_id, version)
        say(f"  1Password: stored in {plan.item.vault}/{plan.item.item} (item version {version})")
        return password

    def _read_back(self, plan: Plan) -> str:
        try:
            password, version = self.op.read_password(plan.item)
        except VendorAPIError as error:
            raise OperatorError(f"{error}\n{self._standing()}", EXIT_PART_WAY) from None
        self.console.hide(password, quote(password, safe=""))
        if version != plan.item.version:
            raise OperatorError(
                f"1Password item {plan.item.item} in vault {plan.item.vault} changed since this rotation stored the "
                f"password (version {plan.item.version}, now {version}), so its password may not be the one Neon "
                f"has. Check the item's history; to be sure, delete {self.journal.path} and rotate again (a new "
                f"reset makes Neon, 1Password and Vercel agree).",
                EXIT_PART_WAY,
            )
        self.console.say(
            f"  1Password: read the password back from {plan.item.vault}/{plan.item.item} (version {version})"
        )
        return password

    def _standing(self) -> str:
        """Where a part-way rotation stands and what to do, from the journal."""
        journal = self.journal
        if journal is None:
            return "Nothing was changed."
        if journal.state == "resetting":
            return (
                f"The Neon reset was not confirmed or its password not stored. Run again with --resume: it resets the "
                f"password again and continues (journal {journal.path})."
            )
        op = journal.data["onePassword"]
        done = ", ".join(journal.done_sites()) or "none"
        pending = ", ".join(journal.pending_sites()) or "none"
        return (
            f"The new password is in 1Password ({op['vault']}/{op['item']}, version {op.get('version')}). Vercel sites "
            f"updated: {done}; not yet: {pending} (they hold a password that no longer works). Resume with --resume: "
            f"it reads the password back from 1Password and updates the remaining sites without resetting Neon "
            f"again (journal {journal.path}). Rolling back is not possible: Neon cannot restore the old password."
        )


def _database_url(plan: Plan, password: str) -> str:
    from components.database_url import postgres_uri

    return postgres_uri(plan.role, password, plan.host, plan.database)


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    if not args.all:
        return _guarded(Rotation(args, console, environ), console)
    roles = _guarded(Rotation(args, console, environ), console, Rotation.roles_in_state)
    if isinstance(roles, int):  # the look-up failed, saying why; nothing was changed
        return roles
    console.say(f"Roles whose passwords Pulumi's state holds, rotated in turn: {', '.join(roles)}")
    for role in roles:
        one = argparse.Namespace(**{**vars(args), "role": role, "all": False})
        journal = one.journal_dir / f"{args.stack}-{role}.json"
        if args.resume and not journal.exists():
            one.resume = False  # not reached by the interrupted --all run: rotate it now
        console.say()
        code = _guarded(Rotation(one, console, environ), console)
        if code != EXIT_OK:
            done = roles[: roles.index(role)]
            console.fail(
                f"--all stopped at role {role!r}"
                + (f" (done: {', '.join(done)})" if done else "")
                + "; fix the cause, then run the same command with --resume."
            )
            return code
    return EXIT_OK


def _guarded(rotation: Rotation, console: Console, step: Callable[[Rotation], Any] = Rotation.run) -> Any:
    """`step` of `rotation` (its exit code, or what it found), or its error's exit code after one message
    that ends with where the rotation stands. Ctrl-C and SIGTERM say where it stands too, then exit 130 and
    143 (exit_codes.py); the journal is written whole (a temporary file renamed), so an interrupt never
    leaves it half-written."""
    forget = exit_codes.on_interrupt(lambda: console.fail("interrupted. " + rotation._standing()))
    try:
        return step(rotation)
    except OperatorError as error:
        console.fail(str(error))
        return error.exit_code
    except Exception as error:  # a bug in this command: one message, its traceback (redacted) in a file
        scrub = functools.partial(redact, secrets=console.secrets)
        console.fail(f"{exit_codes.internal_error('rotate_neon_password', error, scrub)}. {rotation._standing()}")
        return EXIT_PART_WAY if rotation.journal is not None else EXIT_USAGE
    finally:
        forget()


if __name__ == "__main__":
    exit_codes.run_command(main, "rotate_neon_password")
