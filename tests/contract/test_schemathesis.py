"""Bad input at scale: schemathesis generates requests from the OpenAPI schema (/api/schema/) for every operation and
checks what a live daphne answers.

schemathesis runs from its own virtualenv (.venv-fuzz, made by ``deploy/local/bootstrap.sh --test`` from
requirements-fuzz.lock) as a subprocess with a working directory outside the project: it needs the PyPI ``requests``
library, which the project's ``requests/`` package shadows and which the project never installs.

Checks, chosen deliberately:
- ``not_a_server_error``: no 5xx, whatever the input;
- ``status_code_conformance``, ``content_type_conformance``, ``response_schema_conformance``,
  ``response_headers_conformance``: every answer is one the schema declares, in the declared shape.
Left out:
- ``positive_data_acceptance`` (schema-valid input must give 2xx): business rules answer schema-valid input with
  403/404/409 by design (a random id is nobody's thread; a closed request takes no answers);
- ``negative_data_rejection`` (schema-invalid input must give 4xx): DRF coerces ("5" for an integer) and ignores
  unknown fields and query parameters on purpose, so lenient-but-correct answers would be reported;
- ``ignored_auth``, ``missing_required_header``: the public operations (schema, categories, register, token) are
  declared public, and the run authenticates with a header that is fixed, not generated;
- ``use_after_free`` (a deleted resource must answer 404): DELETE on a request, offer or session cancels or closes
  it, and its author still sees it with its new status, by design.
``make fuzz`` adds the stateful phase and its ``ensure_resource_availability`` check (what was created can be read).

``make test`` runs a small, seeded, deterministic run (DUGNAD_FUZZ_EXAMPLES examples per operation, default 8);
``make fuzz`` a long one (DUGNAD_FUZZ=long: many more examples, every phase including stateful links).
"""

import os
import shlex
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.live import ROOT, daphne

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ST = ROOT / os.environ.get("FUZZ_VENV", ".venv-fuzz") / "bin" / "st"
SEED = int(os.environ.get("DUGNAD_FUZZ_SEED", "20261123"))
SHORT_CHECKS = [
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
    "response_headers_conformance",
]
LONG_CHECKS = [*SHORT_CHECKS, "ensure_resource_availability"]


def _plan():
    """How hard to fuzz: the bounded run of ``make test`` unless DUGNAD_FUZZ=long (``make fuzz``)."""
    if os.environ.get("DUGNAD_FUZZ", "").lower() == "long":
        return {
            "examples": int(os.environ.get("DUGNAD_FUZZ_EXAMPLES", "100")),
            "phases": "examples,coverage,fuzzing,stateful",
            "checks": LONG_CHECKS,
            "extra": ["--generation-database", "none"],
        }
    return {
        "examples": int(os.environ.get("DUGNAD_FUZZ_EXAMPLES", "8")),
        "phases": "examples,coverage,fuzzing",
        "checks": SHORT_CHECKS,
        "extra": ["--generation-deterministic"],
    }


def neighbourhood():
    """Realistic data for the fuzzer to find: a normal neighbour (the one the fuzzer acts as) with a home, requests,
    an offer with a session and sign-ups, an answer, an agreement with its thread, an organisation membership and a
    follow; a few other neighbours around. Returns the fuzzer's API token."""
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from chat.services import message_send
    from geo.privacy import approximate_point
    from neighbours.models import Category, Membership
    from neighbours.services import follow_create
    from offers.sessions import signup_create
    from requests.services import response_create
    from tests.factories import (
        MembershipFactory,
        NeighbourFactory,
        OrganisationFactory,
        agreement,
        group_session,
        help_offer,
        help_request,
        point,
    )

    home = point(62.4722, 6.1495)
    frida = NeighbourFactory(display_name="Fuzz Frida", home=home, home_approx=approximate_point(home))
    frida.interests.set(Category.objects.filter(slug__in=["garden", "digital"]))
    neighbours = [NeighbourFactory(display_name=name, home=home, home_approx=approximate_point(home))
                  for name in ("Ann", "Bob", "Cora")]
    ann, bob, cora = neighbours

    club = OrganisationFactory(name="Hessa BK")
    MembershipFactory(organisation=club, neighbour=cora, role=Membership.Role.ADMIN)
    MembershipFactory(organisation=club, neighbour=frida, role=Membership.Role.MEMBER)
    follow_create(neighbour=frida, organisation=club)

    start = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    help_request(author=frida, title="Help with Digital Post", category="digital", notify_nearby=False)
    bobs_request = help_request(author=bob, title="Carry a sofa", category="errands", notify_nearby=False)
    response_create(help_request=bobs_request, responder=frida, message="I have a van")
    anns_request = help_request(author=ann, title="Walk my dog", category="pets", notify_nearby=False)
    response_create(help_request=anns_request, responder=cora, message="Happy to")
    deal = agreement(requester=frida, helper=ann, start=start)
    message_send(thread_id=deal.thread_id, author=ann, body="See you on Friday")

    offer = help_offer(author=frida, title="I mow lawns")
    session = group_session(offer=help_offer(author=cora, organisation=club, category="digital",
                                             title="Smartphones for beginners"), by=cora, capacity=2)
    signup_create(session=session, neighbour=frida)
    signup_create(session=session, neighbour=bob)
    signup_create(session=session, neighbour=ann)
    group_session(offer=offer, by=frida, capacity=5)
    return Token.objects.create(user=frida).key


def _failures(junit_path):
    """(operation, message) for every failed or erroring test case in schemathesis' JUnit report."""
    found = []
    for case in ET.parse(junit_path).getroot().iter("testcase"):  # noqa: S314 (written by our own subprocess)
        for problem in [*case.findall("failure"), *case.findall("error")]:
            found.append((case.get("name"), (problem.get("message") or "") + "\n" + (problem.text or "")))
    return found


# Logging out (DELETE /auth/token/) revokes the token the run authenticates with, leaving every later operation a
# 401: it runs on its own, last.
TOKEN_REVOKING = "auth_token_destroy"


def run_schemathesis(base_url, token, *, plan, workdir, selection, name):
    junit = Path(workdir) / f"{name}.xml"
    command = [
        str(ST), "run", f"{base_url}/api/schema/",
        "--url", base_url,
        "--header", f"Authorization: Token {token}",
        "--checks", ",".join(plan["checks"]),
        "--phases", plan["phases"],
        "--max-examples", str(plan["examples"]),
        "--seed", str(SEED),
        "--workers", "1",
        "--request-timeout", "30",
        "--continue-on-failure",
        "--report", "junit", "--report-junit-path", str(junit),
        "--no-color", "--output-truncate", "true",
        *selection,
        *plan["extra"],
    ]
    # Outside the project: neither schemathesis nor its `requests` may ever see our `requests/` package.
    completed = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=3600, check=False)
    return command, completed, junit


def test_every_api_operation_survives_generated_input_and_answers_as_its_schema_says():
    """For every operation and method of /api/schema/, generated good and bad input never gets a 5xx, and every
    answer (status, content type, headers, body) is one the schema declares."""
    assert ST.exists(), f"{ST} is missing: run `deploy/local/bootstrap.sh --test` (make setup-test)"
    token = neighbourhood()
    plan = _plan()
    with tempfile.TemporaryDirectory(prefix="dugnad-fuzz-") as workdir, \
            daphne(DUGNAD_RATE_LIMITS="off") as base_url:
        runs = [
            run_schemathesis(base_url, token, plan=plan, workdir=workdir, name="all-but-logout",
                             selection=["--exclude-operation-id", TOKEN_REVOKING]),
            run_schemathesis(base_url, token, plan=plan, workdir=workdir, name="logout",
                             selection=["--include-operation-id", TOKEN_REVOKING]),
        ]
        results = [(command, completed, _failures(junit) if junit.exists() else [])
                   for command, completed, junit in runs]
    for command, completed, failures in results:
        output = completed.stdout + completed.stderr
        print(output[-3000:])  # schemathesis' summary (how many cases per phase), shown with -s or -rP
        report = "\n\n".join(f"== {operation}\n{message.strip()}" for operation, message in failures)
        explanation = (
            f"schemathesis found {len(failures)} failing operation(s) (exit {completed.returncode}); each block "
            f"below says how to reproduce it (a curl command; the token was the test's) and the command was:\n"
            f"{shlex.join(command)}\n\n{report}\n\n--- schemathesis output (tail) ---\n{output[-6000:]}"
        )
        assert not failures, explanation
        assert completed.returncode == 0, explanation
        # The token must live through the whole run (403s are the neighbour's lack of a role, and expected).
        assert "401 Unauthorized (" not in output, explanation
