"""`python -m cli` is the `testops` command."""

from cli.main import app

app(prog_name="testops")
