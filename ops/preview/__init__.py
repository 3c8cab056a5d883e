"""Per-pull-request preview environments: one Neon branch and branch-scoped Vercel preview variables.

`environment.py` holds the steps of `create`, `delete` and `cleanup`; `ops/preview_env.py` the command
(arguments, output, exit codes); `ops/neon.py` and `ops/vercel.py` the vendors' APIs, shared with every
other operator command. See docs/previews.md.
"""
