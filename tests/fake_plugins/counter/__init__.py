"""A plugin for the tests: a service on the enterprise portal (a page marked
portal_required) and entries on the public FAQ."""
from core.audit import services as audit
from core.plugins.toolkit import FaqEntry, PortalService, hookimpl, plugin_blueprint
from core.web import portal_actor, portal_required

bp = plugin_blueprint("fake_counter", __name__)


@bp.route("/book")
@portal_required
def book():
    actor = portal_actor()
    audit.record(actor, "fake_counter.open", object_type="enterprise", object_id=actor.enterprise_id)
    return f"booking for {actor.enterprise.name}"


@hookimpl
def anqi_blueprints(app):
    return [bp]


@hookimpl
def anqi_portal_services(enterprise, unit):
    return [PortalService(label="预约测试窗口", endpoint="fake_counter.book", description="测试服务说明")]


@hookimpl
def anqi_public_faq(query):
    return [FaqEntry(question="出境证件怎么办理？", answer="带上身份证到窗口。", topic="出入境"),
            FaqEntry(question="商标被仿冒怎么办？", answer="向知产警官反映。", topic="知识产权")]
