from tests.conftest import login


def test_desk_sees_dashboard(client, city):
    login(client, "desk")
    response = client.get("/")
    assert response.status_code == 200
    assert "护企优商服务中心" in response.get_data(as_text=True)
