"""Export of a delivered suite to GitHub (a pull request) or GitLab (a merge request), in one commit."""
