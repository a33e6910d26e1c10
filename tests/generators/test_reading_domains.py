"""The reader end to end on services of other domains: requirements in my words, suites run against them.

The services are `bench.synthetic_api` implementations of specs rendered from the same definitions, so
they are correct by construction: every generated requirement test must pass (no false alarms), and every
requirement here must be covered.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import synthetic_api
from bench.specs import ApiDef, FieldDef, ResourceDef, openapi_document
from generators.api.offline import OfflineApiGenerator
from tools.openapi import build_api_model
from vocabulary.artefacts import Requirement

LIBRARY = ApiDef(
    (
        ResourceDef(
            plural="books",
            singular="book",
            fields=(
                FieldDef(name="title", kind="string", required=True, min_length=1, max_length=200),
                FieldDef(name="genre", kind="string", enum=("fiction", "poetry", "history")),
                FieldDef(name="year", kind="integer", minimum=1450, maximum=2100),
            ),
        ),
        ResourceDef(
            plural="members",
            singular="member",
            fields=(
                FieldDef(name="name", kind="string", required=True, min_length=1, max_length=80),
                FieldDef(name="email", kind="string", format="email"),
            ),
        ),
    )
)
BOOKINGS = ApiDef(
    (
        ResourceDef(
            plural="bookings",
            singular="booking",
            fields=(
                FieldDef(name="guest_name", kind="string", required=True, min_length=1, max_length=80),
                FieldDef(name="nights", kind="integer", required=True, minimum=1, maximum=14),
                FieldDef(name="state", kind="string", enum=("pending", "confirmed", "cancelled")),
            ),
        ),
    )
)
TEXTS = {
    "library": [
        "Adding a book with a 201-character title is refused with 422.",
        "Book titles are at most 200 characters.",
        "GET /books?genre=poetry returns only poetry books.",
        "As a librarian I want lookups of missing books to fail clearly; "
        "Acceptance: fetching a book that does not exist answers 404.",
        "Given no credentials\nWhen I list the members\nThen the response status is 401",
        "The year of a new book must be between 1450 and 2100 inclusive.",
        "Once a book has been deleted, reading it again returns 404.",
        "Registering a member without a name → 422",
        "Listing books with limit=2 returns at most 2 items; "
        "and a book created with year 1999 comes back with year 1999.",
    ],
    "bookings": [
        "POST /bookings with `nights: 15` → 422",
        "A booking for 14 nights is accepted.",
        "Deleting a booking twice answers 404 the second time.",
        'Updating a booking\'s state to "confirmed" returns it with state "confirmed".',
        "Calls to any endpoint with an invalid token are rejected with 401.",
        'Given a booking\nWhen I PATCH /bookings/{bookingId} with {"nights": 0}\n'
        "Then the response status is 422",
        'Creating a booking with guest name "Ada" echoes the guest name.',
    ],
}


@pytest.mark.parametrize(("domain", "definition"), [("library", LIBRARY), ("bookings", BOOKINGS)])
def test_every_requirement_is_covered_and_passes_on_a_correct_service(
    domain: str, definition: ApiDef, tmp_path: Path
) -> None:
    requirements = [Requirement(requirement_id=f"{domain}-{i}", text=t) for i, t in enumerate(TEXTS[domain])]
    with synthetic_api.serve(definition) as base_url:
        api = build_api_model(openapi_document(definition), source=f"{domain}.json", base_url=base_url)
        suite = OfflineApiGenerator().generate(api, requirements)
        assert [c.reason for c in suite.coverage if not c.covered] == []
        tests = [t for t in suite.tests if t.category == "requirement"]
        imports = sorted({line for t in tests for line in t.imports})
        (tmp_path / "test_requirements.py").write_text(
            "\n".join(imports) + "\n\n\n" + "\n\n".join(t.code for t in tests)
        )
        for name, content in suite.support_files.items():
            (tmp_path / name).write_text(content)
        env = {
            **os.environ,
            "TESTOPS_BASE_URL": base_url,
            "TESTOPS_API_TOKEN": synthetic_api.DEFAULT_TOKEN,
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        }
        env.pop("PYTEST_ADDOPTS", None)
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_requirements.py"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    assert run.returncode == 0, run.stdout[-4000:]
