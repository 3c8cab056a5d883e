"""Compliance evidence from preflight reports: the classified diff, the change register, the residency report.

It reads reports (JSON) and never imports the Pulumi SDK (tests/compliance/test_no_sdk.py proves it), so
it runs anywhere the reports are, quickly. `python -m compliance --help` lists the commands.
"""
