"""A password rotation of the stack's role leaves every pull request's own preview DATABASE_URL alone."""

from __future__ import annotations

from ops.rotate_neon_password import main
from tests.support.rotation import PROJECTS, Vendors


def test_rotation_skips_branch_scoped_preview_variables(vendors: Vendors, capsys) -> None:
    preview_url = "postgresql://portal_app:preview-own@ep-preview.ap-southeast-2.aws.neon.tech/portal"
    for project in PROJECTS.values():
        vendors.vercel.values[(project, f"env-db-preview-{project}")] = preview_url
        vendors.vercel.git_branches[f"env-db-preview-{project}"] = "feature/share-links"
    code = main(["--stack", "prod", "--role", "portal_app", "--journal-dir", str(vendors.journal_dir)], vendors.env())
    _, err = capsys.readouterr()
    assert code == 0, err
    for project in PROJECTS.values():
        assert vendors.vercel.values[(project, f"env-db-preview-{project}")] == preview_url
        assert vendors.vercel.database_url(project) != "postgresql://portal_app:creation@old-host/portal"
