"""Local stand-ins for Neon, 1Password Connect and Vercel: each a real HTTP server (pytest-httpserver) that
speaks the subset of the vendor's API the operator commands use, including its error answers.

Every request is recorded in one sequence shared by the three, so tests can check the order of steps
across vendors. `fail(...)` makes the next matching requests answer with an error status.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

SEQUENCE = itertools.count()

NEON_KEY = "neon-fake-key-do-not-print-0001"
OP_TOKEN = "op-connect-fake-token-do-not-print-0002"
VERCEL_TOKEN = "vercel-fake-token-do-not-print-0003"

PROJECT_ID = "fake-project-123456"
BRANCH_ID = "br-fake-main-123456"
HOST = "ep-fake-host-123456.ap-southeast-2.aws.neon.tech"
OLD_PASSWORD = "old/fake+pass@word:0000"


@dataclass
class Call:
    seq: int
    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    body: Any = None
    echo_value: bool = False  # put the request's own `value` into the error body (a careless vendor)


@dataclass
class FakeVendor:
    server: HTTPServer
    token: str
    prefix: str = ""
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    def install(self) -> None:
        self.server.expect_request(re.compile(r"^/.*")).respond_with_handler(self._handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for(self.prefix).rstrip("/")

    def fail(self, method: str, path: str, status: int, times: int = 1, body: Any = None, echo: bool = False) -> None:
        self.faults.append(Fault(method, re.compile(path), status, times, body, echo))

    def mutations(self) -> list[Call]:
        return [c for c in self.calls if c.method not in ("GET", "HEAD")]

    def _handle(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        path = request.path[len(self.prefix) :] if request.path.startswith(self.prefix) else request.path
        self.calls.append(Call(next(SEQUENCE), request.method, path, dict(request.args), body))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._json({"message": "invalid token", "error": "unauthorized"}, 401)
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.method and fault.path.search(path):
                fault.times -= 1
                answer = fault.body or {"message": f"fake failure {fault.status}"}
                if fault.echo_value and isinstance(body, dict):
                    answer = {"error": {"message": f"invalid value {body.get('value')!s}"}}
                headers = {"Retry-After": "0"} if fault.status == 429 else {}
                return self._json(answer, fault.status, headers)
        return self.route(request.method, path, dict(request.args), body)

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Response:
        raise NotImplementedError

    @staticmethod
    def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)


@dataclass
class FakeNeon(FakeVendor):
    """Neon API v2: projects by name, branches, endpoints, roles, reset_password."""

    prefix: str = "/api/v2"
    org_id: str = "org-motion-mavericks"  # the shipped stacks' neon.orgId
    projects: dict[str, str] = field(default_factory=lambda: {PROJECT_ID: "mm-portal-prod", "other-1": "mm-portal-dev"})
    roles: list[str] = field(default_factory=lambda: ["neondb_owner", "portal_app"])
    issued: list[str] = field(default_factory=list)  # every password reset_password handed out

    @property
    def password(self) -> str | None:
        return self.issued[-1] if self.issued else None

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Response:
        if method == "GET" and path == "/projects":
            # A personal API key must name the organisation (Neon API v2, `GET /projects`, `org_id`).
            if not query.get("org_id"):
                return self._json({"code": "", "message": "org_id is required"}, 400)
            owned = self.projects if query["org_id"] == self.org_id else {}
            found = [{"id": i, "name": n} for i, n in owned.items() if query.get("search", "") in n]
            return self._json({"projects": found})
        match = re.fullmatch(r"/projects/([^/]+)(/.*)", path)
        if not match or match[1] not in self.projects:
            return self._json({"code": "", "message": "project not found"}, 404)
        rest = match[2]
        if method == "GET" and rest == "/branches":
            branches = [
                {"id": "br-fake-dev", "name": "dev", "default": False},
                {"id": BRANCH_ID, "name": "main", "default": True},
            ]
            return self._json({"branches": branches})
        if method == "GET" and rest == "/endpoints":
            endpoints = [
                {
                    "id": "ep-fake-ro",
                    "host": "ep-fake-ro.ap-southeast-2.aws.neon.tech",
                    "branch_id": BRANCH_ID,
                    "type": "read_only",
                },
                {"id": HOST.split(".")[0], "host": HOST, "branch_id": BRANCH_ID, "type": "read_write"},
            ]
            return self._json({"endpoints": endpoints})
        if method == "GET" and rest == f"/branches/{BRANCH_ID}/databases":
            # Created with the project: neondb, owned by the owner role; then the program's database.
            databases = [
                {"name": "portal", "owner_name": "portal_app", "created_at": "2026-11-02T01:00:05Z"},
                {"name": "neondb", "owner_name": "neondb_owner", "created_at": "2026-11-02T01:00:00Z"},
            ]
            return self._json({"databases": [{**d, "branch_id": BRANCH_ID} for d in databases]})
        roles_path = f"/branches/{BRANCH_ID}/roles"
        if method == "GET" and rest == roles_path:
            return self._json({"roles": [{"name": r, "branch_id": BRANCH_ID} for r in self.roles]})
        role = re.fullmatch(rf"{roles_path}/([^/]+)(/reset_password)?", rest)
        if role and role[1] in self.roles:
            if method == "GET" and not role[2]:
                return self._json({"role": {"name": role[1], "branch_id": BRANCH_ID, "protected": False}})
            if method == "POST" and role[2]:
                password = f"new/fake+pw@{len(self.issued) + 1}:Zq9"  # URL-special characters, on purpose
                self.issued.append(password)
                operations = [{"id": "op-1", "action": "apply_config", "status": "running"}]
                return self._json({"role": {"name": role[1], "password": password}, "operations": operations})
        return self._json({"code": "", "message": "not found"}, 404)


@dataclass
class FakeConnect(FakeVendor):
    """1Password Connect: vaults and items by name, full items, PUT replacing an item."""

    vaults: dict[str, str] = field(default_factory=lambda: {"vaultfakeprod0000000000001": "mm-portal-prod"})
    items: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_item(self, vault_id: str, item_id: str, title: str, password: str = OLD_PASSWORD) -> None:
        self.items[item_id] = {
            "id": item_id,
            "title": title,
            "vault": {"id": vault_id},
            "category": "DATABASE",
            "version": 3,
            "fields": [
                {"id": "username", "label": "username", "purpose": "USERNAME", "type": "STRING", "value": "x"},
                {"id": "password", "label": "password", "purpose": "PASSWORD", "type": "CONCEALED", "value": password},
            ],
        }

    def password(self, item_id: str) -> str:
        return next(f["value"] for f in self.items[item_id]["fields"] if f["purpose"] == "PASSWORD")

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Response:
        wanted = re.fullmatch(r'\w+ eq "(.*)"', query.get("filter", ""))
        if method == "GET" and path == "/v1/vaults":
            return self._json([{"id": i, "name": n} for i, n in self.vaults.items() if not wanted or n == wanted[1]])
        match = re.fullmatch(r"/v1/vaults/([^/]+)/items(?:/([^/]+))?", path)
        if not match or match[1] not in self.vaults:
            return self._json({"status": 404, "message": "vault not found"}, 404)
        vault_id, item_id = match[1], match[2]
        in_vault = {i: item for i, item in self.items.items() if item["vault"]["id"] == vault_id}
        if method == "GET" and item_id is None:
            summaries = [
                {"id": i, "title": item["title"], "version": item["version"]}
                for i, item in in_vault.items()
                if not wanted or item["title"] == wanted[1]
            ]
            return self._json(summaries)
        if item_id not in in_vault:
            return self._json({"status": 404, "message": "item not found"}, 404)
        if method == "GET":
            return self._json(in_vault[item_id])
        if method == "PUT":
            stored = json.loads(json.dumps(body))
            stored["version"] = in_vault[item_id]["version"] + 1
            self.items[item_id] = stored
            return self._json(stored)
        return self._json({"status": 405, "message": "method not allowed"}, 405)


@dataclass
class FakeVercel(FakeVendor):
    """Vercel: a project's environment variables (v10 list) and editing one (v9 PATCH); team by slug."""

    team_slug: str = "motion-mavericks"
    values: dict[tuple[str, str], str] = field(default_factory=dict)  # (project, env id) -> value
    # `target` as Vercel answers it per project: a list, or one environment as a plain string.
    targets: dict[str, Any] = field(default_factory=dict)
    # env id -> git branch, for branch-scoped preview variables (python -m ops.preview_env makes them)
    git_branches: dict[str, str] = field(default_factory=dict)

    def add_project(self, project: str) -> None:
        self.values[(project, f"env-db-{project}")] = "postgresql://portal_app:creation@old-host/portal"
        self.values[(project, f"env-redis-{project}")] = "https://redis.example"

    def database_url(self, project: str) -> str:
        return self.values[(project, f"env-db-{project}")]

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Response:
        if query.get("slug") != self.team_slug:
            return self._json({"error": {"code": "forbidden", "message": "not a member of this team"}}, 403)
        listing = re.fullmatch(r"/v10/projects/([^/]+)/env", path)
        editing = re.fullmatch(r"/v9/projects/([^/]+)/env/([^/]+)", path)
        project = (listing or editing)[1] if (listing or editing) else None
        if project is None or not any(p == project for p, _ in self.values):
            return self._json({"error": {"code": "not_found", "message": "Project not found"}}, 404)
        if method == "GET" and listing:
            envs = [
                {
                    "id": env_id,
                    "key": "DATABASE_URL" if env_id.startswith("env-db-") else "UPSTASH_REDIS_REST_URL",
                    "type": "sensitive",
                    "target": ["preview"] if env_id in self.git_branches else self.targets.get(project, ["production"]),
                    "gitBranch": self.git_branches.get(env_id),
                }
                for p, env_id in self.values
                if p == project
            ]
            return self._json({"envs": envs, "pagination": {"count": len(envs), "next": None, "prev": None}})
        if method == "PATCH" and editing and (project, editing[2]) in self.values:
            self.values[(project, editing[2])] = body["value"]
            return self._json({"id": editing[2], "key": "DATABASE_URL", "type": "sensitive"})
        return self._json({"error": {"code": "not_found", "message": "Environment variable not found"}}, 404)
