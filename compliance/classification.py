"""Which changes matter to an auditor: one table of (resource type, change path) patterns -> classes.

`python -m compliance diff` names every change with a path, and this table alone decides its classes:

- `inputs.<a>.<b>`: a wire input, nested objects by dots (a list is one value), e.g.
  `inputs.resourceConfig.functionDefaultRegions`;
- `options.protect`, `options.retainOnDelete`, `options.parent`, `options.provider`: a resource option;
- `secret.<path>`: an input that became, or stopped being, a Pulumi secret;
- `resource`: the resource itself, added or removed; an added or removed resource also takes the classes
  of every input it has, of its secret inputs and of `protect`/`retainOnDelete` when set;
- `policy.<policy name>`: a policy result that is new or cleared; the type is that of the resource the
  result is about (`""` for a stack-level result).

Patterns are shell-style (`fnmatch`), case-insensitive; a rule lists several type and path patterns and
matches when one of each matches. A change's classes are the union over every matching rule; a change
no rule matches is still shown in the diff, but it is not register-impacting. To classify something new,
add a row here (and a test). `python -m compliance diff --rules` prints the table as markdown; the
documentation points here rather than keeping a copy that could drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

import catalog

RESIDENCY, SECURITY, BACKUP, COST = "residency", "security", "backup", "cost"
CLASSES = (RESIDENCY, SECURITY, BACKUP, COST)


@dataclass(frozen=True)
class Rule:
    types: tuple[str, ...]
    paths: tuple[str, ...]
    classes: tuple[str, ...]
    why: str

    def matches(self, resource_type: str, path: str) -> bool:
        kind, where = resource_type.lower(), path.lower()
        return any(fnmatchcase(kind, t.lower()) for t in self.types) and any(
            fnmatchcase(where, p.lower()) for p in self.paths
        )


def _residency_rules() -> tuple[Rule, ...]:
    """From the catalog: each type's region inputs, and every resource of a service with no Australian region."""
    rules = [
        Rule((t.token,), tuple(f"inputs.{path}" for path, _ in t.region_inputs), (RESIDENCY,), t.region_why)
        for t in catalog.TYPES.values()
        if t.region_inputs
    ]
    rules += [
        Rule(
            (f"{s.key}:*",),
            ("options.provider", "resource"),
            (RESIDENCY,),
            f"{s.name} data leaves Australia (exception)",
        )
        for s in catalog.SERVICES.values()
        if s.no_au_region
    ]
    return tuple(rules)


RULES: tuple[Rule, ...] = (
    # Residency: where data is stored or processed (catalog.py), and the pack's verdict on it.
    *_residency_rules(),
    Rule(("*",), ("policy.au-data-residency*",), (RESIDENCY,), "the pack's residency verdict"),
    # Security: who can read what, what is secret, what is protected.
    Rule(("vercel:*",), ("inputs.sensitive",), (SECURITY,), "a sensitive Vercel variable cannot be read back"),
    Rule(("vercel:*",), ("inputs.targets",), (SECURITY,), "which deployments receive a variable"),
    Rule(
        ("vercel:*",),
        (
            "inputs.vercelAuthentication*",
            "inputs.passwordProtection*",
            "inputs.trustedIps*",
            "inputs.protectionBypass*",
        ),
        (SECURITY,),
        "deployment protection: who can open deployments",
    ),
    Rule(("vercel:*",), ("inputs.gitRepository*",), (SECURITY,), "which repository and branch deploy the site"),
    Rule(("upstash:*",), ("inputs.tls",), (SECURITY,), "encryption in transit"),
    Rule((catalog.NEON_ROLE,), ("*",), (SECURITY,), "a database role is a credential"),
    Rule(("*",), ("secret.*",), (SECURITY,), "a value became, or stopped being, a Pulumi secret"),
    Rule(("*",), ("options.protect", "options.retainOnDelete"), (SECURITY,), "deletion protection"),
    Rule(("motion-mavericks:*",), ("inputs.tags.data_class",), (SECURITY,), "the data classification tag"),
    Rule(("*",), ("policy.secrets-are-sensitive",), (SECURITY,), "the pack's verdict on credentials in Vercel"),
    Rule(("*",), ("policy.prod-data-protection",), (SECURITY, BACKUP), "the pack's verdict on protecting prod data"),
    # The delivery system's own guard rails (platform/): who may approve, deploy and merge, and who holds what.
    Rule(
        ("github:*",),
        ("resource", "inputs.*"),
        (SECURITY,),
        "GitHub environments, deployment branches, the ruleset on main, the workflows' token and actions",
    ),
    Rule(("aws:iam/*",), ("resource", "inputs.*"), (SECURITY,), "the GitHub OIDC trust and the archive writer's role"),
    Rule(
        ("aws:s3/bucketPolicy:*", "aws:s3/bucketPublicAccessBlock:*", "aws:s3/bucketServerSideEncryption*"),
        ("resource", "inputs.*"),
        (SECURITY,),
        "who can read the plan archive, and its encryption",
    ),
    Rule(
        ("aws:s3/bucketObjectLockConfiguration*", "aws:s3/bucketLifecycleConfiguration*", "aws:s3/bucketVersioning*"),
        ("resource", "inputs.*"),
        (BACKUP, SECURITY),
        "how long prod's plans are kept and that nobody can delete them early",
    ),
    Rule(
        ("pulumiservice:index:TeamStackPermission", "pulumiservice:index:PolicyGroup"),
        ("resource", "inputs.*"),
        (SECURITY,),
        "who may read or update a stack, and the pack Pulumi Cloud enforces on it",
    ),
    Rule(
        ("*",),
        ("policy.production-approval", "policy.main-branch-rules", "policy.plan-archive-lock"),
        (SECURITY,),
        "the pack's verdicts on the approval gate, main's rules and the archive lock",
    ),
    # Backup: how much history is kept and whether data survives a mistake.
    Rule(
        tuple(t.token for t in catalog.TYPES.values() if t.retention_input),
        tuple(f"inputs.{t.retention_input}" for t in catalog.TYPES.values() if t.retention_input),
        (BACKUP,),
        "point-in-time restore window kept in the resource (Neon)",
    ),
    Rule(("neon:*",), ("inputs.defaultBranchProtected",), (BACKUP, SECURITY), "the default branch cannot be deleted"),
    Rule(
        ("vercel:index/projectDeploymentRetention:*",),
        ("inputs.expiration*",),
        (BACKUP,),
        "how long Vercel keeps deployments, i.e. how far back a rollback can go",
    ),
    Rule(("upstash:*",), ("inputs.prodPack",), (BACKUP, COST), "Prod Pack: 3-day backup retention (else 1), priced"),
    Rule(("upstash:*",), ("inputs.eviction",), (BACKUP,), "eviction drops keys (share tokens) under memory pressure"),
    Rule(("*",), ("inputs.*backup*",), (BACKUP,), "a backup setting"),
    Rule(
        catalog.backup_types(),
        ("resource", "inputs.*", "options.protect", "options.retainOnDelete"),
        (BACKUP,),
        "a resource that backs up the portal's data (catalog.py), e.g. the Upstash daily backup",
    ),
    Rule(
        catalog.data_types(),
        ("resource", "options.protect", "options.retainOnDelete"),
        (BACKUP,),
        "a resource holding the portal's data (catalog.py)",
    ),
    Rule(("*",), ("policy.backup-retention*", "policy.redis-no-eviction"), (BACKUP,), "the pack's backup verdicts"),
    # Cost: plan, capacity, spend caps, and the tags that allocate cost.
    Rule(
        ("upstash:*",),
        ("inputs.budget", "inputs.autoScale"),
        (COST,),
        "Upstash spend cap and autoscaling",
    ),
    Rule(("neon:*",), ("inputs.defaultEndpointSettings.*",), (COST,), "Neon compute size and suspend"),
    Rule(("motion-mavericks:*",), ("inputs.tags.*",), (COST,), "cost-allocation tags (env, owner, data_class)"),
    Rule((catalog.GRAFANA_STACK,), ("inputs.labels.*",), (COST,), "the Grafana stack's labels are its cost tags"),
    Rule(("pulumiservice:index:StackTag",), ("resource", "inputs.*"), (COST,), "a portal stack's Pulumi Cloud tags"),
    Rule(("aws:*",), ("inputs.tags.*",), (COST,), "AWS cost-allocation tags"),
    Rule(("*",), ("options.parent",), (COST,), "the parent decides whose tags a resource is counted under"),
    Rule(("*",), ("policy.required-tags*",), (COST,), "the pack's tagging verdicts"),
)


def classify(resource_type: str, path: str) -> list[str]:
    """The classes of one change, in the order of CLASSES."""
    found = {c for rule in RULES if rule.matches(resource_type, path) for c in rule.classes}
    return [c for c in CLASSES if c in found]


def rules_markdown() -> str:
    """The table as a reviewer reads it."""
    lines = ["| Resource types | Change paths | Classes | Why |", "|---|---|---|---|"]
    for rule in RULES:
        types = ", ".join(f"`{t}`" for t in rule.types)
        paths = ", ".join(f"`{p}`" for p in rule.paths)
        lines.append(f"| {types} | {paths} | {', '.join(rule.classes)} | {rule.why} |")
    return "\n".join(lines) + "\n"
