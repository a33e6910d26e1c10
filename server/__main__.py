"""`python -m server --host 127.0.0.1 --port 8000`: the service, until `testops serve` exists."""

from __future__ import annotations

import argparse

from server.main import serve

parser = argparse.ArgumentParser(prog="python -m server", description="Run the TestOps Copilot service.")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=8000)
arguments = parser.parse_args()
serve(arguments.host, arguments.port)
