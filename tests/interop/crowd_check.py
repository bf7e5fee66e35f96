"""python-crowd 3.1.0 (PyPI package `crowd`) against roster's simulated Crowd API, unchanged.

Run by tests/crowd_python.rs with the Crowd base URL, the application name and password, and the
password of the seeded users as arguments. Every call goes through python-crowd's own requests
sessions (JSON, XML for memberships and search), so a wire detail the simulator gets wrong fails
here. Prints one line per check; exits non-zero on the first failure.
"""

import sys

import crowd


def check(name, condition, detail=""):
    if not condition:
        print(f"FAIL {name}: {detail}", flush=True)
        sys.exit(1)
    print(f"ok   {name}", flush=True)


def attributes_of(cs, username):
    return {a["name"]: a["values"] for a in cs.get_user(username)["attributes"]["attributes"]}


def main():
    url, app, password, seeded_password = sys.argv[1:5]
    cs = crowd.CrowdServer(url, app, password)
    check("auth_ping with good credentials", cs.auth_ping() is True)
    check("auth_ping with bad credentials", crowd.CrowdServer(url, app, "wrong").auth_ping() is False)

    user = cs.get_user("praman")
    check("get_user", user["name"] == "praman" and user["email"] == "priya.raman@example.com", user)
    check("user_exists", cs.user_exists("praman") is True)
    check("user_exists for nobody", cs.user_exists("nobody") is None)

    authenticated = cs.auth_user("praman", seeded_password)
    check("auth_user", authenticated is not None and authenticated["name"] == "praman", authenticated)
    check("auth_user never returns the password", seeded_password not in repr(authenticated))
    check("auth_user with a wrong password", cs.auth_user("praman", "wrong") is None)
    check("auth_user for nobody", cs.auth_user("nobody", "x") is None)
    check("auth_user for an inactive user", cs.auth_user("jwhitcombe", seeded_password) is None)

    check("set_active", cs.set_active("praman", False) is True)
    check("set_active took effect", cs.get_user("praman")["active"] is False)
    check("auth_user once inactive", cs.auth_user("praman", seeded_password) is None)

    conf = cs.get_cookie_conf()
    check("get_cookie_conf", conf == {"domain": "", "name": "crowd.token_key", "secure": False}, conf)

    check("add_user", cs.add_user("pyuser", password="pw", email="py@example.com") is True)
    check("add_user twice", cs.add_user("pyuser", password="pw", email="py@example.com") is False)
    check("auth_user with the password it was created with", cs.auth_user("pyuser", "pw") is not None)
    check("set_user_attribute", cs.set_user_attribute("pyuser", "team", "core") is True)
    check("set_user_attribute with a boolean", cs.set_user_attribute("pyuser", "remote", True) is True)
    attributes = attributes_of(cs, "pyuser")
    check("attributes stored as text", attributes["team"] == ["core"] and attributes["remote"] == ["true"], attributes)
    check("change_password", cs.change_password("pyuser", "n3w") is True)
    check("auth_user with the new password", cs.auth_user("pyuser", "n3w") is not None)
    check("auth_user with the old password", cs.auth_user("pyuser", "pw") is None)

    check("get_groups", "developers" in cs.get_groups("twielgosz"))
    check("get_nested_groups", "developers" in cs.get_nested_groups("twielgosz"))
    nested = cs.get_nested_groups("vnovak")
    check("get_nested_groups follows groups in groups", {"bitbucket-users", "engineering", "all-staff"} <= set(nested), nested)
    check("get_nested_group_users", "twielgosz" in cs.get_nested_group_users("developers"))
    check("get_nested_group_users of a parent group", "vnovak" in cs.get_nested_group_users("all-staff"))
    memberships = cs.get_memberships()
    check("get_memberships users", "twielgosz" in memberships["developers"]["users"], memberships["developers"])
    check("get_memberships groups", "developers" in memberships["engineering"]["groups"], memberships["engineering"])

    check("create_group", cs.create_group("pytesters", "Python testers") is None)
    check("create_group twice is refused with a message", isinstance(cs.create_group("pytesters"), str))
    check("update_group", cs.update_group("pytesters", {"description": "QA", "active": True}) is None)
    check("add_user_to_group", cs.add_user_to_group("pyuser", "pytesters") is True)
    check("add_user_to_group twice", cs.add_user_to_group("pyuser", "pytesters") is False)
    check("add_user_to_group with an unknown group", cs.add_user_to_group("pyuser", "nope") is False)
    check("get_groups after adding", cs.get_groups("pyuser") == ["pytesters"], cs.get_groups("pyuser"))
    check("add_child_group", cs.add_child_group("pytesters", "engineering") is None)
    nested = cs.get_nested_groups("pyuser")
    check("nested through the new child group", {"pytesters", "engineering", "all-staff"} <= set(nested), nested)
    check("pytesters nested in engineering", "pytesters" in cs.get_memberships()["engineering"]["groups"])
    check("remove_child_group", cs.remove_child_group("pytesters", "engineering") is None)
    check("remove_user_from_group", cs.remove_user_from_group("pyuser", "pytesters") is True)
    check("remove_user_from_group twice", cs.remove_user_from_group("pyuser", "pytesters") is False)
    check("get_groups after removing", cs.get_groups("pyuser") == [], cs.get_groups("pyuser"))
    check("remove_group", cs.remove_group("pytesters") is None)
    check("remove_group twice is refused with a message", isinstance(cs.remove_group("pytesters"), str))

    found = cs.search("user", "email", "@example.org")
    names = sorted(u["name"] for u in found["users"])
    check("search (XML restriction)", names == ["lnavarro", "vnovak"], names)
    print("python-crowd OK")


if __name__ == "__main__":
    main()
