"""Neon's and Vercel's APIs as preview environments use them, each on a real local HTTP server.

They answer as the published APIs do (docs/previews.md, "Sources"): Neon's branches with
`init_source`/`expires_at`, read-write endpoints, per-branch roles whose passwords a new branch inherits
from its parent, asynchronous operations polled until `finished`; Vercel's project variables with
`gitBranch`, `upsert=true`, sensitive values that are never returned. Faults (`fail`) come from
tests/ops/fakes.py: the next matching requests answer with an error status.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from werkzeug import Response

from tests.ops.fakes import FakeVendor

DEV_PROJECT_ID = "fake-dev-project-1"
MAIN_BRANCH_ID = "br-fake-main-1"
BASE_BRANCH_ID = "br-fake-anonymised-1"
PARENT_PASSWORD = "dev/parent+pw@fake:1"  # the dev branch's role password: must never reach a preview
DEV_SITES = ("mm-portal-admin-dev", "mm-portal-agency-dev", "mm-portal-guest-dev")
PROD_SITES = ("mm-portal-admin-prod", "mm-portal-agency-prod", "mm-portal-guest-prod")
IDS = itertools.count(1)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


@dataclass
class FakeNeonBranches(FakeVendor):
    prefix: str = "/api/v2"
    projects: dict[str, dict[str, str]] = field(
        default_factory=lambda: {
            DEV_PROJECT_ID: {"id": DEV_PROJECT_ID, "name": "mm-portal-dev", "region_id": "aws-ap-southeast-2"}
        }
    )
    branches: dict[str, dict[str, Any]] = field(default_factory=dict)
    endpoints: list[dict[str, Any]] = field(default_factory=list)
    roles: dict[str, dict[str, str]] = field(default_factory=dict)  # branch id -> role -> password
    databases: dict[str, set[str]] = field(default_factory=dict)
    operations: dict[str, int] = field(default_factory=dict)  # id -> polls left before "finished"
    issued: list[str] = field(default_factory=list)  # every password Neon handed out
    conflict_on_create: bool = False  # another run creates the branch just before this one's POST

    def __post_init__(self) -> None:
        self.add_branch(MAIN_BRANCH_ID, "main", default=True, roles={"portal_app": PARENT_PASSWORD})
        self.add_branch(BASE_BRANCH_ID, "anonymised-base", roles={"portal_app": PARENT_PASSWORD})

    def add_branch(
        self,
        branch_id: str,
        name: str,
        *,
        default: bool = False,
        protected: bool = False,
        expires_at: str | None = None,
        roles: dict[str, str] | None = None,
        databases: set[str] | None = None,
        endpoint: bool = True,
    ) -> dict[str, Any]:
        branch = {"id": branch_id, "name": name, "default": default, "protected": protected}
        if expires_at:
            branch["expires_at"] = expires_at
        self.branches[branch_id] = branch
        self.roles[branch_id] = dict(roles if roles is not None else {"portal_app": PARENT_PASSWORD})
        self.databases[branch_id] = set(databases if databases is not None else {"portal"})
        if endpoint:
            self.endpoints.append(self._endpoint(branch_id))
        return branch

    def branch(self, name: str) -> dict[str, Any] | None:
        return next((b for b in self.branches.values() if b["name"] == name), None)

    def endpoint_of(self, branch_id: str) -> dict[str, Any] | None:
        return next((e for e in self.endpoints if e["branch_id"] == branch_id and e["type"] == "read_write"), None)

    @staticmethod
    def _endpoint(branch_id: str) -> dict[str, Any]:
        n = next(IDS)
        return {
            "id": f"ep-fake-{n}",
            "branch_id": branch_id,
            "type": "read_write",
            "host": f"ep-fake-{n}.ap-southeast-2.aws.neon.tech",
        }

    def _operation(self, action: str) -> dict[str, Any]:
        op_id = f"op-fake-{next(IDS)}"
        self.operations[op_id] = 1  # running once, then finished: the command must poll
        return {"id": op_id, "action": action, "status": "running"}

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Response:
        if method == "GET" and path == "/projects":
            found = [p for p in self.projects.values() if query.get("search", "") in p["name"]]
            return _json({"projects": found})
        parts = path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "projects" or parts[1] not in self.projects:
            return _json({"code": "", "message": "project not found"}, 404)
        rest = parts[2:]
        if rest == ["branches"] and method == "GET":
            found = [b for b in self.branches.values() if query.get("search", "") in b["name"]]
            return _json({"branches": found})
        if rest == ["branches"] and method == "POST":
            return self._create_branch(body)
        if rest[0] == "operations" and method == "GET":
            left = self.operations.get(rest[1], 0)
            self.operations[rest[1]] = max(left - 1, 0)
            return _json({"operation": {"id": rest[1], "status": "running" if left else "finished"}})
        if rest == ["endpoints"] and method == "GET":
            return _json({"endpoints": self.endpoints})
        if rest == ["endpoints"] and method == "POST":
            endpoint = self._endpoint(body["endpoint"]["branch_id"])
            self.endpoints.append(endpoint)
            return _json({"endpoint": endpoint, "operations": [self._operation("start_compute")]}, 201)
        if rest[0] != "branches" or rest[1] not in self.branches:
            return _json({"code": "", "message": "branch not found"}, 404)
        branch_id, tail = rest[1], rest[2:]
        if not tail and method == "PATCH":
            self.branches[branch_id].update(body["branch"])
            return _json({"branch": self.branches[branch_id], "operations": []})
        if not tail and method == "DELETE":
            branch = self.branches.pop(branch_id)
            self.endpoints = [e for e in self.endpoints if e["branch_id"] != branch_id]
            return _json({"branch": branch, "operations": [self._operation("delete_timeline")]})
        return self._branch_child(method, branch_id, tail, body)

    def _create_branch(self, body: dict[str, Any]) -> Response:
        spec = body["branch"]
        if self.branch(spec["name"]) is None and self.conflict_on_create:
            self.conflict_on_create = False
            self.add_branch("br-fake-other-run", spec["name"], expires_at=spec["expires_at"])
        if self.branch(spec["name"]) is not None:
            return _json({"code": "", "message": f"branch {spec['name']} already exists"}, 409)
        parent = spec["parent_id"]
        branch = self.add_branch(
            f"br-fake-{next(IDS)}",
            spec["name"],
            expires_at=spec["expires_at"],
            roles=self.roles[parent],  # a new branch's roles keep the parent's passwords
            databases=self.databases[parent],
            endpoint=False,
        )
        branch.update({"init_source": spec["init_source"], "parent_id": parent})
        endpoint = self._endpoint(branch["id"])
        self.endpoints.append(endpoint)
        operations = [self._operation("create_branch"), self._operation("start_compute")]
        return _json({"branch": branch, "endpoints": [endpoint], "operations": operations}, 201)

    def _branch_child(self, method: str, branch_id: str, tail: list[str], body: Any) -> Response:
        roles = self.roles[branch_id]
        if tail == ["roles"] and method == "POST":
            password = f"fresh/role+pw@{len(self.issued) + 1}:Zq"
            self.issued.append(password)
            roles[body["role"]["name"]] = password
            role = {"name": body["role"]["name"], "password": password}
            return _json({"role": role, "operations": [self._operation("apply_config")]}, 201)
        if tail[0] == "roles" and len(tail) >= 2:
            if tail[1] not in roles:
                return _json({"code": "", "message": "role not found"}, 404)
            if len(tail) == 2 and method == "GET":
                return _json({"role": {"name": tail[1], "branch_id": branch_id}})
            if tail[2:] == ["reset_password"] and method == "POST":
                password = f"reset/role+pw@{len(self.issued) + 1}:Zq"
                self.issued.append(password)
                roles[tail[1]] = password
                role = {"name": tail[1], "password": password}
                return _json({"role": role, "operations": [self._operation("apply_config")]})
        if tail == ["databases"] and method == "POST":
            self.databases[branch_id].add(body["database"]["name"])
            return _json({"database": body["database"], "operations": [self._operation("apply_config")]}, 201)
        if tail[0] == "databases" and len(tail) == 2 and method == "GET":
            if tail[1] in self.databases[branch_id]:
                return _json({"database": {"name": tail[1]}})
            return _json({"code": "", "message": "database not found"}, 404)
        return _json({"code": "", "message": "not found"}, 404)


@dataclass
class FakeVercelEnv(FakeVendor):
    """A token scoped to the non-prod team (Pulumi.dev.yaml `vercel.team`), unless a test widens its reach:
    `other_teams` are teams it is scoped to as well (it lists and reads their projects); `other_projects`
    are single projects of other teams it can read (a project-scoped token), without listing their team."""

    team_slug: str = "motion-mavericks-nonprod"
    projects: set[str] = field(default_factory=lambda: set(DEV_SITES))
    other_teams: dict[str, set[str]] = field(default_factory=dict)
    other_projects: dict[str, set[str]] = field(default_factory=dict)
    envs: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # project -> id -> variable
    values: dict[str, str] = field(default_factory=dict)  # env id -> value (never sent back: sensitive)

    def __post_init__(self) -> None:
        for project in DEV_SITES:
            self.envs[project] = {}
            self.add(project, "DATABASE_URL", "postgresql://dev-shared", target=["production", "preview"])

    def add(
        self, project: str, key: str, value: str, *, target: list[str], git_branch: str | None = None, comment=""
    ) -> str:
        env_id = f"env-fake-{next(IDS)}"
        self.envs[project][env_id] = {
            "id": env_id,
            "key": key,
            "type": "sensitive",
            "target": target,
            "gitBranch": git_branch,
            "comment": comment,
        }
        self.values[env_id] = value
        return env_id

    def preview_variables(self, project: str, git_branch: str) -> list[dict[str, Any]]:
        return [e for e in self.envs[project].values() if e["gitBranch"] == git_branch]

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Response:
        team, parts = query.get("slug"), path.strip("/").split("/")
        if team != self.team_slug:
            return self._elsewhere(team, method, parts)
        if parts == ["v10", "projects"] and method == "GET":
            return _json({"projects": [{"name": p} for p in sorted(self.projects)], "pagination": {"next": None}})
        if len(parts) < 3 or parts[1] != "projects" or parts[2] not in self.projects:
            return _json({"error": {"code": "not_found", "message": "Project not found"}}, 404)
        project, rest = parts[2], parts[3:]
        if parts[0] == "v9" and not rest and method == "GET":
            return _json({"id": f"prj_{project}", "name": project})
        if parts[0] == "v10" and rest == ["env"] and method == "GET":
            envs = list(self.envs.get(project, {}).values())
            if "gitBranch" in query:
                envs = [e for e in envs if e["gitBranch"] == query["gitBranch"]]
            return _json({"envs": envs, "pagination": {"count": len(envs), "next": None, "prev": None}})
        if parts[0] == "v10" and rest == ["env"] and method == "POST":
            return self._upsert(project, body, query.get("upsert") == "true")
        if parts[0] == "v9" and rest[:1] == ["env"] and len(rest) == 2 and method == "DELETE":
            if self.envs[project].pop(rest[1], None) is None:
                return _json({"error": {"code": "not_found", "message": "Environment Variable not found"}}, 404)
            self.values.pop(rest[1], None)
            return _json({"id": rest[1]})
        return _json({"error": {"code": "not_found", "message": "not found"}}, 404)

    def _elsewhere(self, team: str | None, method: str, parts: list[str]) -> Response:
        """Another team's projects, as far as this token reaches them (GET only: the guard asks nothing else)."""
        forbidden = _json({"error": {"code": "forbidden", "message": "Not authorized"}}, 403)
        if method != "GET" or team is None:
            return forbidden
        if team in self.other_teams and parts == ["v10", "projects"]:
            return _json({"projects": [{"name": p} for p in sorted(self.other_teams[team])], "pagination": {}})
        readable = self.other_teams.get(team, set()) | self.other_projects.get(team, set())
        if parts[:2] == ["v9", "projects"] and len(parts) == 3 and parts[2] in readable:
            return _json({"id": f"prj_{parts[2]}", "name": parts[2]})
        return forbidden

    def _upsert(self, project: str, body: dict[str, Any], upsert: bool) -> Response:
        same = next(
            (
                e
                for e in self.envs[project].values()
                if e["key"] == body["key"]
                and e["gitBranch"] == body.get("gitBranch")
                and set(e["target"]) & set(body["target"])
            ),
            None,
        )
        if same is not None and not upsert:
            error = {"code": "ENV_ALREADY_EXISTS", "message": "already exists", "key": body["key"]}
            return _json({"error": error}, 403)
        if same is not None:
            same.update({k: body[k] for k in ("type", "target", "comment") if k in body})
            self.values[same["id"]] = body["value"]
            created = same
        else:
            env_id = self.add(
                project,
                body["key"],
                body["value"],
                target=body["target"],
                git_branch=body.get("gitBranch"),
                comment=body.get("comment", ""),
            )
            self.envs[project][env_id]["type"] = body["type"]
            created = self.envs[project][env_id]
        return _json({"created": created, "failed": []}, 201)
