"""The exit-entry records the host's security suite opens as another station (``anqi_security_samples``)."""
from datetime import date

from stdnum.cn import ric

from plugins.exit_entry import applications, appointments, frozen, onsite, talent


def make(context) -> dict:
    """An application of one applicant, a booked appointment, an on-site
    request, a talent with a permit application and a frozen-account case."""
    desk, enterprise_id = context.desk, context.enterprise_id
    number = f"1101051985031200{context.n}"
    application = applications.register(desk, enterprise_id, [applications.ApplicantInput(
        name="张三", id_number=number + ric.calc_check_digit(number + "0"), relation="employee",
        doc_type="passport", purpose="商务洽谈", destination="德国", travel_from=date(2026, 12, 1))])
    window = appointments.add_window(desk, "专窗")
    appointments.open_slots(desk, window.id, date(2026, 11, 23), date(2026, 11, 23), [("09:00", "10:00")], 2)
    slot = appointments.slots(desk, date(2026, 11, 23), 1)[0]
    appointment = appointments.book(desk, enterprise_id, slot.id)
    request = onsite.request(desk, enterprise_id, 20, "厂区", date(2026, 11, 24))
    expert = talent.add(desk, enterprise_id, "Anna", "德国", "foreign_expert")
    permit = talent.apply_permit(desk, expert.id, "long_term", date(2026, 11, 2))
    case = frozen.open_case(desk, enterprise_id, frozen.CaseInput(
        bank="中国银行", amount="1000", reason="跨境货款", authority="某市公安局", frozen_on=date(2026, 11, 1)))
    return {"application_id": application.id, "applicant_id": application.applicants[0].id,
            "appointment_id": appointment.id, "onsite_id": request.id, "talent_id": expert.id,
            "permit_id": permit.id, "frozen_case_id": case.id}
