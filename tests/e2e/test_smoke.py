async def test_platform_admin_creates_tenant_and_member(admin):
    status, created = await admin.post("/v1/tenants", {"name": "Acme"})
    assert status == 201
    tenant_id = created["id"]
    status, ann = await admin.post("/v1/users", {"email": "ann@example.com"})
    assert status == 201, ann
    status, member = await admin.post(
        f"/v1/tenants/{tenant_id}/members", {"user_id": ann["id"], "role": "admin"}
    )
    assert status == 201, member
    status, page = await admin.get(f"/v1/tenants/{tenant_id}/members")
    assert status == 200
    assert {m["user"]["email"] for m in page["items"]} == {
        "root@platform.example",
        "ann@example.com",
    }
