"""`python -m compliance diff BASE.json HEAD.json`: what changed between two preflight reports, and why it matters.

Per stack: resources added, removed and changed (matched by URN), each changed input by its nested path,
changed options (protect, retainOnDelete, parent, provider), inputs that became or stopped being secret,
and policy results that are new or cleared. Every change is classified by the one table in
`compliance/classification.py`; the classified ones are the stack's `impacts`, which the compliance
register records on merge (`python -m compliance register append`). Output: markdown for the pull request,
JSON (schema: compliance/schema/diff-v1.json) for the record.

An impact's `change` is one line of inline markdown in which every value taken from a report (names,
types, paths, values, policy messages) is already inert (compliance/markdown.py): the pull request
comment and the register place it as it is.

Exit codes: 0 the diff was produced (whatever it contains); 2 a report is missing, unreadable, not JSON,
of another schema version or not a preflight report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from catalog import highlights
from compliance.classification import CLASSES, classify, rules_markdown
from compliance.markdown import code, text
from compliance.reports import ReportError, load_report, violation_text

SCHEMA_PATH = Path(__file__).with_name("schema") / "diff-v1.json"
SCHEMA_VERSION = 1
EXIT_OK, EXIT_USAGE = 0, 2
OPTIONS = ("protect", "retainOnDelete", "parent", "provider")
UNSET = "(unset)"
MARKDOWN_LIMIT = 60_000  # a GitHub comment holds 65,536 characters
VALUE_WIDTH = 120


# --- the diff ---------------------------------------------------------------------------------------------


def diff_reports(base: dict[str, Any], head: dict[str, Any], base_file: str, head_file: str) -> dict[str, Any]:
    base_stacks = {s["name"]: s for s in base["stacks"]}
    head_stacks = {s["name"]: s for s in head["stacks"]}
    names = list(base_stacks) + [n for n in head_stacks if n not in base_stacks]
    stacks = [_stack_diff(name, base_stacks.get(name), head_stacks.get(name)) for name in names]
    by_class = {c: sum(c in i["classes"] for s in stacks for i in s["impacts"]) for c in CLASSES}
    return {
        "schemaVersion": SCHEMA_VERSION,
        "project": head.get("project") or base.get("project"),
        "base": _side(base, base_file),
        "head": _side(head, head_file),
        "stacks": stacks,
        "summary": {
            "stacks": len(stacks),
            "changedStacks": sum(s["change"] != "unchanged" for s in stacks),
            "resourcesAdded": sum(len(s["resources"]["added"]) for s in stacks),
            "resourcesRemoved": sum(len(s["resources"]["removed"]) for s in stacks),
            "resourcesChanged": sum(len(s["resources"]["changed"]) for s in stacks),
            "policiesNew": sum(len(s["policies"]["new"]) for s in stacks),
            "policiesCleared": sum(len(s["policies"]["cleared"]) for s in stacks),
            "impacts": sum(len(s["impacts"]) for s in stacks),
            "byClass": by_class,
        },
    }


def _side(report: dict[str, Any], file: str) -> dict[str, Any]:
    pack = report.get("policyPack")
    return {
        "file": file,
        "generatedAt": report["generatedAt"],
        "policyPack": f"{pack['name']} {pack['version']}" if pack else None,
    }


def _stack_diff(name: str, base: dict[str, Any] | None, head: dict[str, Any] | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": name,
        "change": "changed",
        "status": {"base": base["status"] if base else None, "head": head["status"] if head else None},
        "note": "",
        "resources": {"added": [], "removed": [], "changed": []},
        "policies": {"new": [], "cleared": []},
        "impacts": [],
    }
    if base is None or head is None:
        present = head if base is None else base
        entry["change"] = "added" if base is None else "removed"
        side = "added" if base is None else "removed"
        refs = [_resource_ref(r) for r in sorted(present["resources"], key=lambda r: r["urn"])]
        entry["resources"][side] = refs
        results = [_policy_result(d) for d in present["diagnostics"]]
        entry["policies"]["new" if base is None else "cleared"] = results
        classes = _union([r["classes"] for r in refs] + [p["classes"] for p in results])
        if classes:
            where = "only in the head report" if base is None else "only in the base report"
            change = f"stack {text(name)} {side} ({len(refs)} resources; {where})"
            entry["impacts"].append({"change": change, "classes": classes, "urn": ""})
        return entry
    errored = [
        f"{role}: {(s['error'].splitlines() or [''])[0]}"
        for role, s in (("base", base), ("head", head))
        if s["status"] == "error"
    ]
    if errored:
        entry["change"] = "not-comparable"
        entry["note"] = "could not be evaluated in " + "; ".join(errored)
        return entry

    base_resources = {r["urn"]: r for r in base["resources"]}
    head_resources = {r["urn"]: r for r in head["resources"]}
    for urn in sorted(head_resources.keys() - base_resources.keys()):
        ref = _resource_ref(head_resources[urn])
        entry["resources"]["added"].append(ref)
        _impact(entry, ref["classes"], urn, f"added {_label(ref)}{_highlights(ref)}")
    for urn in sorted(base_resources.keys() - head_resources.keys()):
        ref = _resource_ref(base_resources[urn])
        entry["resources"]["removed"].append(ref)
        _impact(entry, ref["classes"], urn, f"removed {_label(ref)}{_highlights(ref)}")
    for urn in sorted(base_resources.keys() & head_resources.keys()):
        changed = _resource_change(base_resources[urn], head_resources[urn])
        if changed is None:
            continue
        entry["resources"]["changed"].append(changed)
        label = _label(changed)
        for prop in changed["properties"]:
            what = prop["path"].removeprefix("inputs.")
            _impact(entry, prop["classes"], urn, f"{label}: {code(what)} {_from_to(prop)}")
        for option in changed["options"]:
            _impact(entry, option["classes"], urn, f"{label}: option {code(option['option'])} {_from_to(option)}")
        for secret in changed["secrets"]:
            state = "became a secret" if secret["head"] else "is no longer a secret"
            _impact(entry, secret["classes"], urn, f"{label}: input {code(secret['path'])} {state}")

    base_results = {_policy_key(d): d for d in base["diagnostics"]}
    head_results = {_policy_key(d): d for d in head["diagnostics"]}
    for kind, keys, source in (
        ("new", head_results.keys() - base_results.keys(), head_results),
        ("cleared", base_results.keys() - head_results.keys(), base_results),
    ):
        for key in sorted(keys):
            result = _policy_result(source[key])
            entry["policies"][kind].append(result)
            on = code(result["resource"]) if result["resource"] else "the stack"
            change = (
                f"{kind} {text(result['enforcementLevel'])} {code(result['policy'])} result on {on}: "
                f"{text(result['message'])}"
            )
            _impact(entry, result["classes"], result["urn"], change)

    if not any(entry["resources"].values()) and not any(entry["policies"].values()):
        entry["change"] = "unchanged"
    return entry


def _impact(entry: dict[str, Any], classes: list[str], urn: str, text: str) -> None:
    if classes:
        entry["impacts"].append({"change": text, "classes": classes, "urn": urn})


def _resource_ref(resource: dict[str, Any]) -> dict[str, Any]:
    kind = resource["type"]
    paths = ["resource"] + [f"inputs.{p}" for p in _leaves(resource["inputs"])]
    paths += [f"options.{o}" for o in ("protect", "retainOnDelete") if resource[o]]
    paths += [f"secret.{p}" for p in resource["secretInputs"]]
    return {
        "urn": resource["urn"],
        "type": kind,
        "name": resource["name"],
        "classes": _union([classify(kind, p) for p in paths]),
        "highlights": highlights(resource),
    }


def _resource_change(base: dict[str, Any], head: dict[str, Any]) -> dict[str, Any] | None:
    kind = head["type"]
    before, after = _leaves(base["inputs"]), _leaves(head["inputs"])
    properties = []
    for path in sorted(before.keys() | after.keys()):
        if path in before and path in after and before[path] == after[path]:
            continue
        prop: dict[str, Any] = {"path": f"inputs.{path}", "classes": classify(kind, f"inputs.{path}")}
        if path in before:
            prop["base"] = before[path]
        if path in after:
            prop["head"] = after[path]
        properties.append(prop)
    options = []
    for option in OPTIONS:
        old, new = _option(base, option), _option(head, option)
        if old != new:
            options.append({"option": option, "base": old, "head": new, "classes": classify(kind, f"options.{option}")})
    old_secrets, new_secrets = set(base["secretInputs"]), set(head["secretInputs"])
    secrets = [
        {
            "path": path,
            "base": path in old_secrets,
            "head": path in new_secrets,
            "classes": classify(kind, f"secret.{path}"),
        }
        for path in sorted(old_secrets ^ new_secrets)
    ]
    if not (properties or options or secrets):
        return None
    return {
        "urn": head["urn"],
        "type": kind,
        "name": head["name"],
        "classes": _union([e["classes"] for e in properties + options + secrets]),
        "properties": properties,
        "options": options,
        "secrets": secrets,
    }


def _option(resource: dict[str, Any], option: str) -> Any:
    value = resource[option]
    if option == "provider":
        # A provider reference is "<provider URN>::<id>"; the id is made up afresh on every run.
        return value.rsplit("::", 1)[0] if value else ""
    return value


def _leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested objects flattened to dotted paths; lists and scalars are values."""
    if isinstance(value, dict) and value:
        leaves: dict[str, Any] = {}
        for key, item in value.items():
            leaves.update(_leaves(item, f"{prefix}.{key}" if prefix else str(key)))
        return leaves
    return {prefix: value} if prefix else {}


def _policy_key(diagnostic: dict[str, Any]) -> tuple[str, str, str, str]:
    message = violation_text(diagnostic["message"], diagnostic.get("description", ""))
    return diagnostic["policy"], diagnostic["urn"], diagnostic["enforcementLevel"], message


def _policy_result(diagnostic: dict[str, Any]) -> dict[str, Any]:
    urn = diagnostic["urn"]
    kind = urn.split("::")[2].rsplit("$", 1)[-1] if urn.count("::") >= 3 else ""
    return {
        "policy": diagnostic["policy"],
        "enforcementLevel": diagnostic["enforcementLevel"],
        "urn": urn,
        "resource": urn.rsplit("::", 1)[-1] if urn else "",
        "type": kind,
        "message": violation_text(diagnostic["message"], diagnostic.get("description", "")),
        "classes": classify(kind, f"policy.{diagnostic['policy']}"),
    }


def _union(lists: list[list[str]]) -> list[str]:
    found = {c for classes in lists for c in classes}
    return [c for c in CLASSES if c in found]


def _label(ref: dict[str, Any], cell: bool = True) -> str:
    """A resource by name and type, as inert markdown."""
    return f"{code(ref['name'], cell)} ({text(ref['type'])})"


def _highlights(ref: dict[str, Any]) -> str:
    return f": {text(', '.join(ref['highlights']))}" if ref["highlights"] else ""


def _from_to(entry: dict[str, Any]) -> str:
    return f"{text(_show(entry.get('base', UNSET)))} → {text(_show(entry.get('head', UNSET)))}"


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 3] + "..."


# --- rendering ---------------------------------------------------------------------------------------------


def markdown(diff: dict[str, Any], limit: int = MARKDOWN_LIMIT) -> str:
    full = _markdown(diff, details=True)
    if len(full) <= limit:
        return full
    return _markdown(diff, details=False)


def _markdown(diff: dict[str, Any], details: bool) -> str:
    summary = diff["summary"]
    impacts = summary["impacts"]
    counts = ", ".join(f"{n} {c}" for c, n in summary["byClass"].items() if n)
    out = [
        f"## Preflight diff: {text(diff['project'])}",
        "",
        f"Base {code(diff['base']['file'], False)} ({_pack(diff['base'])}) → head "
        f"{code(diff['head']['file'], False)} ({_pack(diff['head'])}).",
        "",
        f"**{impacts} impacting change{'s' if impacts != 1 else ''}**"
        + (f" ({counts})." if counts else ".")
        + " Impacting changes are recorded in the compliance register on merge.",
        "",
        "| Stack | Change | Added | Removed | Changed | New results | Cleared results | Impacting |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for stack in diff["stacks"]:
        r, p = stack["resources"], stack["policies"]
        out.append(
            f"| {code(stack['name'])} | {stack['change']} | {len(r['added'])} | {len(r['removed'])} | "
            f"{len(r['changed'])} | {len(p['new'])} | {len(p['cleared'])} | {len(stack['impacts'])} |"
        )
    for stack in diff["stacks"]:
        if stack["change"] == "unchanged":
            continue
        out += ["", f"### Stack {code(stack['name'], False)}: {stack['change']}", ""]
        if stack["note"]:
            out += [text(stack["note"], line_start=True), ""]
        if stack["impacts"]:
            out += ["| Classification | Change |", "|---|---|"]
            out += [f"| {', '.join(i['classes'])} | {i['change']} |" for i in stack["impacts"]]
            out.append("")
        if details and stack["change"] == "changed":
            out += _details(stack)
    if not details:
        out += ["", "_Per-resource details left out to fit a comment; the JSON diff has them all._"]
    return "\n".join(out).rstrip("\n") + "\n"


def _details(stack: dict[str, Any]) -> list[str]:
    out = ["<details><summary>Every change</summary>"]
    resources = stack["resources"]
    if resources["added"] or resources["removed"]:
        out.append("")
    for sign, side in (("+", "added"), ("-", "removed")):
        for ref in resources[side]:
            out.append(f"- {sign} {side} {_label(ref, False)}{_highlights(ref)}")
    for changed in resources["changed"]:
        out += ["", _label(changed, False), "", "| Change | Base | Head | Classification |"]
        out.append("|---|---|---|---|")
        for prop in changed["properties"]:
            out.append(_row(prop["path"].removeprefix("inputs."), prop))
        for option in changed["options"]:
            out.append(_row(f"option {option['option']}", option))
        for secret in changed["secrets"]:
            out.append(_row(f"secret {secret['path']}", secret))
    if stack["policies"]["new"] or stack["policies"]["cleared"]:
        out.append("")
    for kind in ("new", "cleared"):
        for result in stack["policies"][kind]:
            on = code(result["resource"] or "(stack)", False)
            out.append(
                f"- {kind} {text(result['enforcementLevel'])} {code(result['policy'], False)} on {on}: "
                f"{text(result['message'])}"
            )
    return [*out, "", "</details>"]


def _row(what: str, entry: dict[str, Any]) -> str:
    base, head = _show(entry.get("base", UNSET)), _show(entry.get("head", UNSET))
    return f"| {code(what)} | {text(base)} | {text(head)} | {', '.join(entry['classes']) or '-'} |"


def _pack(side: dict[str, Any]) -> str:
    return f"policy pack {text(side['policyPack'])}" if side["policyPack"] else "no policy pack info"


# --- command line ------------------------------------------------------------------------------------------


def main(argv: list[str], prog: str = "python -m compliance diff") -> int:
    name = prog.removeprefix("python -m ")
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Compare two preflight JSON reports (e.g. main's and a pull request's) and classify each "
        "change as residency-, security-, backup- or cost-impacting.",
    )
    parser.add_argument("base", nargs="?", type=Path, help="the base report (e.g. main's)")
    parser.add_argument("head", nargs="?", type=Path, help="the head report (e.g. the pull request's)")
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown", help="what to print")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the diff as JSON to FILE")
    parser.add_argument("--rules", action="store_true", help="print the classification table and exit")
    args = parser.parse_args(argv)
    if args.rules:
        sys.stdout.write(rules_markdown())
        return EXIT_OK
    if args.base is None or args.head is None:
        parser.error("two reports are needed: BASE.json HEAD.json")
    try:
        base = load_report(args.base, "base")
        head = load_report(args.head, "head")
    except ReportError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    diff = diff_reports(base, head, str(args.base), str(args.head))
    document = json.dumps(diff, indent=2, ensure_ascii=False) + "\n"
    if args.json:
        try:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(document, encoding="utf-8")
        except OSError as exc:
            print(f"{name}: --json {args.json}: cannot be written ({exc.strerror})", file=sys.stderr)
            return EXIT_USAGE
    sys.stdout.write(document if args.format == "json" else markdown(diff))
    return EXIT_OK
