"""The Pulumi CLI as the delivery workflows run it (`python -m delivery`).

Stdlib only: the workflows run it with the runner's Python before any project dependency is installed.
The flags that make a run safe (the policy pack on every preview and update, no secrets or outputs in
logs, the stack's optional policy config) live here once, where tests can check them, rather than in
three workflow files.
"""
