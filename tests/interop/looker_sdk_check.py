"""The official Looker Python SDK (looker_sdk) against roster's simulated Looker API.

Run by tests/looker_sdk_interop.rs with LOOKERSDK_BASE_URL, LOOKERSDK_CLIENT_ID,
LOOKERSDK_CLIENT_SECRET and LOOKERSDK_VERIFY_SSL set. Every call the SDK makes goes through its
own transport, login, deserialisation into typed models and error handling, so a wire detail the
simulator gets wrong fails here. Prints one line per check; exits non-zero on the first failure.
"""

import sys

import looker_sdk
from looker_sdk import error, models40 as models


def check(name, condition, detail=""):
    if not condition:
        print(f"FAIL {name}: {detail}", flush=True)
        sys.exit(1)
    print(f"ok   {name}", flush=True)


def main():
    sdk = looker_sdk.init40()

    me = sdk.me()
    check("me", me.id is not None, repr(me))

    page = sdk.all_users(limit=5, offset=0, sorts="id")
    check("all_users(limit=5)", [u.id for u in page] == ["1", "2", "3", "4", "5"], [u.id for u in page])
    check(
        "all_users email credential",
        page[0].credentials_email is not None and page[0].credentials_email.email == "priya.raman@example.com",
        repr(page[0].credentials_email),
    )
    everyone = sdk.all_users(fields="id,display_name")
    check("all_users() without limit", len(everyone) >= 34, len(everyone))

    priya = sdk.user("1")
    check("user(1)", priya.display_name == "Priya Raman" and priya.is_disabled is False, repr(priya.display_name))

    found = sdk.search_users(email="priya.raman@example.com")
    check("search_users(email=...)", [u.id for u in found] == ["1"], [u.id for u in found])
    found = sdk.search_users(first_name="PRIYA", last_name="okonkwo", filter_or=True, sorts="id")
    check("search_users(filter_or)", [u.id for u in found] == ["1", "3"], [u.id for u in found])

    attributes = sdk.all_user_attributes(sorts="name")
    by_name = {a.name: a for a in attributes}
    check("all_user_attributes", {"region", "db_password", "cost_center"} <= set(by_name), sorted(by_name))
    region = by_name["region"]
    hidden = by_name["db_password"]
    check("hidden attribute definition", hidden.value_is_hidden is True and hidden.default_value is None)

    chain = sdk.user_attribute_user_values(
        "1", user_attribute_ids=models.DelimSequence([region.id]), all_values=True, include_unset=True
    )
    sources = [(v.source, v.value, v.rank) for v in chain]
    check(
        "user_attribute_user_values(all_values, include_unset)",
        sources
        == [("User", "APAC", None), ("Group: Sales", "NA", 2), ("Group: Support", "EMEA", 3), ("Default", "GLOBAL", None)],
        sources,
    )
    plain = sdk.user_attribute_user_values("1", user_attribute_ids=[region.id], all_values=True, include_unset=True)
    check(
        "user_attribute_user_values with a plain list (sent as a JSON array)",
        [(v.source, v.value, v.rank) for v in plain] == sources,
        [(v.source, v.value, v.rank) for v in plain],
    )
    two = sdk.user_attribute_user_values("1", user_attribute_ids=[region.id, by_name["cost_center"].id])
    check(
        "user_attribute_user_values with a plain list of two ids",
        sorted(v.name for v in two) == ["cost_center", "region"],
        sorted(v.name for v in two),
    )
    listed = sdk.all_users(ids=["3", "1"], fields="id")
    check("all_users(ids=plain list)", sorted(u.id for u in listed) == ["1", "3"], [u.id for u in listed])

    everything = sdk.user_attribute_user_values("1", all_values=True, include_unset=True)
    secrets = [v for v in everything if v.name == "db_password"]
    check("hidden value never sent", secrets and all(v.value in (None, "") for v in secrets), repr(secrets))
    unset = sdk.user_attribute_user_values("16", user_attribute_ids=models.DelimSequence([by_name["cost_center"].id]), include_unset=True)
    check("include_unset gives No Value", [v.source for v in unset] == ["No Value"], [v.source for v in unset])

    written = sdk.set_user_attribute_user_value("16", region.id, models.WriteUserAttributeWithValue(value="LATAM"))
    check("set_user_attribute_user_value", written.value == "LATAM" and written.source == "User", repr(written))
    winner = sdk.user_attribute_user_values("16", user_attribute_ids=models.DelimSequence([region.id]))
    check("user value wins", [(v.source, v.value) for v in winner] == [("User", "LATAM")], repr(winner))

    deleted = sdk.delete_user_attribute_user_value("16", region.id)
    check("delete_user_attribute_user_value", deleted is None, repr(deleted))
    winner = sdk.user_attribute_user_values("16", user_attribute_ids=models.DelimSequence([region.id]))
    check("falls back to the group", [(v.source, v.value, v.rank) for v in winner] == [("Group: Sales", "NA", 2)], repr(winner))

    group_values = sdk.all_user_attribute_group_values(region.id)
    check("all_user_attribute_group_values in rank order", [g.rank for g in group_values] == [1, 2, 3, 4, 5], [g.rank for g in group_values])

    updated = sdk.update_user("16", models.WriteUser(first_name="Aïsha", is_disabled=True))
    check("update_user", updated.first_name == "Aïsha" and updated.is_disabled is True, repr(updated.first_name))

    created = sdk.create_user(
        models.WriteUser(first_name="Nova", last_name="Lindgren", credentials_email=models.WriteCredentialsEmail(email="nova.sdk@example.com"))
    )
    check("create_user", created.id is not None and created.display_name == "Nova Lindgren", repr(created.id))
    again = sdk.search_users(email="nova.sdk@example.com")
    check("created user is found", [u.id for u in again] == [created.id], [u.id for u in again])

    try:
        sdk.user("999999")
        check("user(999999) raises", False, "no error")
    except error.SDKError as e:
        check("user(999999) raises SDKError with the message", "Not found" in str(e.args[0] if e.args else e), repr(e))

    try:
        sdk.set_user_attribute_user_value("1", by_name["cost_center"].id, models.WriteUserAttributeWithValue(value="lots"))
        check("422 raises", False, "no error")
    except error.SDKError as e:
        fields = [x.field for x in getattr(e, "errors", [])]
        check("422 raises SDKError with field errors", getattr(e, "message", "") == "Validation Failed" and fields == ["value"], repr(e))

    check_group_values_and_definitions(sdk, by_name)

    sdk.auth.logout()
    check("logout", not sdk.auth.is_authenticated)
    again = sdk.user("1")
    check("logs in again after logout", again.id == "1")
    sdk.auth.logout()
    print("all checks passed")


def path_of(sdk, user_id, attribute_id):
    chain = sdk.user_attribute_user_values(user_id, user_attribute_ids=models.DelimSequence([attribute_id]), all_values=True)
    return [(v.source, v.value, v.rank) for v in chain]


def check_group_values_and_definitions(sdk, by_name):
    """Group values one at a time and all at once, and a definition's settings, on workload_region
    (Engineering 2 rank 1, Support 4 rank 2, All Users 1 rank 3, default us-central1)."""
    workload = by_name["workload_region"]
    hidden = by_name["db_password"]

    kept = sdk.update_user_attribute_group_value("4", workload.id, models.UserAttributeGroupValue(value="asia-east1"))
    check(
        "update_user_attribute_group_value keeps an existing rank",
        (kept.group_id, kept.user_attribute_id, kept.rank, kept.value) == ("4", workload.id, 2, "asia-east1"),
        repr(kept),
    )
    added = sdk.update_user_attribute_group_value("3", workload.id, models.UserAttributeGroupValue(value="northamerica-northeast1"))
    check("update_user_attribute_group_value adds a new group last", added.rank == 4, repr(added))

    replaced = sdk.set_user_attribute_group_values(
        workload.id,
        [
            models.UserAttributeGroupValue(group_id="1", value="us-east1"),
            models.UserAttributeGroupValue(group_id="2", value="europe-west1"),
            models.UserAttributeGroupValue(group_id="4", value="asia-east1"),
        ],
    )
    check(
        "set_user_attribute_group_values replaces all, array order is priority",
        [(g.group_id, g.rank, g.value) for g in replaced]
        == [("1", 1, "us-east1"), ("2", 2, "europe-west1"), ("4", 3, "asia-east1")],
        [(g.group_id, g.rank, g.value) for g in replaced],
    )
    check(
        "a user's lookup path follows the new ranks",
        path_of(sdk, "2", workload.id)
        == [("Group: All Users", "us-east1", 1), ("Group: Engineering", "europe-west1", 2), ("Default", "us-central1", None)],
        path_of(sdk, "2", workload.id),
    )
    ranked = sdk.set_user_attribute_group_values(
        workload.id,
        [
            models.UserAttributeGroupValue(group_id="1", value="us-east1", rank=30),
            models.UserAttributeGroupValue(group_id="2", value="europe-west1", rank=10),
            models.UserAttributeGroupValue(group_id="4", value="asia-east1", rank=20),
        ],
    )
    check(
        "set_user_attribute_group_values with explicit ranks",
        [(g.group_id, g.rank) for g in ranked] == [("2", 10), ("4", 20), ("1", 30)],
        [(g.group_id, g.rank) for g in ranked],
    )

    deleted = sdk.delete_user_attribute_group_value("1", workload.id)
    check("delete_user_attribute_group_value", deleted is None, repr(deleted))
    listed = sdk.all_user_attribute_group_values(workload.id)
    check("the group value is gone", [g.group_id for g in listed] == ["2", "4"], [g.group_id for g in listed])

    updated = sdk.update_user_attribute(
        workload.id,
        models.WriteUserAttribute(name="workload_region", label="Workload Region", type="string", default_value="us-west1", user_can_edit=True),
    )
    check(
        "update_user_attribute",
        (updated.default_value, updated.user_can_edit, updated.value_is_hidden) == ("us-west1", True, False),
        repr(updated),
    )
    check(
        "a user no group reaches takes the new default",
        path_of(sdk, "4", workload.id) == [("Default", "us-west1", None)],
        path_of(sdk, "4", workload.id),
    )

    try:
        sdk.update_user_attribute(
            hidden.id,
            models.WriteUserAttribute(name=hidden.name, label=hidden.label, type=hidden.type, value_is_hidden=False),
        )
        check("making a hidden attribute visible raises", False, "no error")
    except error.SDKError as e:
        fields = [x.field for x in getattr(e, "errors", [])]
        check("making a hidden attribute visible is a 422 naming value_is_hidden", fields == ["value_is_hidden"], repr(e))
    check("the attribute stays hidden", sdk.user_attribute(hidden.id).value_is_hidden is True)

    try:
        sdk.set_user_attribute_group_values(workload.id, [models.UserAttributeGroupValue(group_id="404", value="x")])
        check("an unknown group raises", False, "no error")
    except error.SDKError as e:
        fields = [x.field for x in getattr(e, "errors", [])]
        check("an unknown group is a 422 naming group_id", fields == ["group_id"], repr(e))
    hidden_values = sdk.all_user_attribute_group_values(hidden.id)
    check("hidden group values are never sent", all(g.value is None for g in hidden_values), repr(hidden_values))


if __name__ == "__main__":
    main()
