"""Operator commands: read-only checks and maintenance for what the Pulumi program cannot hold."""
