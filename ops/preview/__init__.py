"""Per-pull-request preview environments: one Neon branch and branch-scoped Vercel preview variables.

`neon.py` and `vercel.py` are the subsets of the vendors' APIs used; `environment.py` the steps of
`create`, `delete` and `cleanup`; `ops/preview_env.py` the command. See docs/previews.md.
"""
