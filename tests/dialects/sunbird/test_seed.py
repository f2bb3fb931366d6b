"""The seed document's example, reproduced from the demo data: the nomination and its
nested program exactly as the seed shows them (ids and envelope stamps aside), with the
fields of the reference model the seed's snapshot predates (issue 19) in the reference's
places, null for the seed's data."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from programhub.core.keys import service as keys
from programhub.core.tenancy import Mode
from programhub.demo import ensure_demo
from tests.support import signing
from programhub.store import Store
from tests.dialects.sunbird.support import BASE, answer

# The item of the seed's form A answer (002_dec9348873db59fc.txt), verbatim but for "id".
SEED_ITEM: dict[str, Any] = {
    "program_id": "6298b0b0-d1ae-11ea-8ffc-bfe7a78f14e5", "user_id": "cca53828-8111-4d71-9c45-40e569f13bad",
    "organisation_id": "b8c2d284-7450-4876-baf3-bb3b95f7fe47", "status": "Initiated", "content_types": [],
    "targetprimarycategories": None, "targetprimarycategorynames": None, "collection_ids": None, "feedback": None, "rolemapping": None, "createdby": "ff3a7b70-c902-4385-9f4a-c76385f333eb",
    "updatedby": None, "createdon": "2020-08-07T14:27:44.187Z", "updatedon": None,
    "program": {
        "program_id": "6298b0b0-d1ae-11ea-8ffc-bfe7a78f14e5", "name": "GG", "type": "public", "collection_ids": [],
        "content_types": [], "target_collection_category": None, "targetprimarycategories": None,
        "targetprimarycategorynames": None, "target_type": None, "startdate": "2020-05-31T18:30:00.000Z",
        "enddate": "2020-10-15T18:30:00.000Z", "nomination_enddate": "2020-10-04T18:30:00.000Z",
        "shortlisting_enddate": "2020-10-09T18:30:00.000Z", "content_submission_enddate": "2020-10-14T18:30:00.000Z",
        "image": None, "status": "Live", "slug": "sunbird", "rolemapping": {"REVIEWER": [], "CREATOR": []},
        "createdby": "48dc0e70-2775-474b-9b78-def27d047836", "updatedby": None, "createdon": "2020-07-29T16:35:30.177Z",
        "updatedon": "2020-12-03T11:55:51.663Z", "rootorg_id": "012983850117177344161", "sourcing_org_name": "Vidya2",
        "channel": "DIKSHA", "template_id": "template1",
        "guidelines_url": "https://dockstorage.blob.core.windows.net/sunbird-content-dock/content/assets/do_11307476450091827213141/2.pdf",
        "acceptedcontents": None, "rejectedcontents": None, "sourcingrejectedcomments": None,
        "subject": "[\"Hindi\", \"Science\"]", "defaultContributeOrgReview": "true", "framework": "ekstep_ncert_k-12",
        "board": None, "gradeLevel": "[\"Class 10\", \"Class 6\"]", "medium": "[\"Hindi\", \"English\"]",
    },
}


def test_the_seed_nomination_and_program_come_back_exactly(client: TestClient, store: Store) -> None:
    with store.write() as conn:
        demo = ensure_demo(conn, signing())
        key = keys.create(conn, demo.org.public_id, Mode.TEST, "seed test").secret
    headers = {"Authorization": f"Bearer {key}"}
    for nomination in ({"organisation_id": {"eq": "b8c2d284-7450-4876-baf3-bb3b95f7fe47"}},
                       {"user_id": {"eq": "cca53828-8111-4d71-9c45-40e569f13bad"}}):
        response = client.post(f"{BASE}/list", json={"request": {"filters": {"nomination": nomination}},
                                                     "params": {"msgid": "8f2fde80-80bf-11eb-8f60-a9e4e5e0c79c"}}, headers=headers)
        [item] = response.json()["result"]["programs"]
        program_id = item["program_id"]
        expected_item = {"id": item["id"], **SEED_ITEM, "program_id": program_id,
                         "program": {**SEED_ITEM["program"], "program_id": program_id}}
        assert list(item) == list(expected_item) and list(item["program"]) == list(expected_item["program"])
        answer(response, "api.program.list", {"count": 1, "programs": [expected_item]},
               msgid="8f2fde80-80bf-11eb-8f60-a9e4e5e0c79c")
    # An organisation that has not nominated sees GG among the programs (form A); the one
    # that has does not.
    for organisation_id, expected in (("937dd865-b256-4c1a-9830-a9b5b89f0913", ["GG"]), ("b8c2d284-7450-4876-baf3-bb3b95f7fe47", [])):
        response = client.post(f"{BASE}/list", json={"request": {"filters": {
            "nomination": {"organisation_id": {"ne": organisation_id}}, "name": "GG"}}}, headers=headers)
        assert [p["name"] for p in response.json()["result"]["programs"]] == expected
