"""Demand tickets (诉求工单): the closed loop 受理—转办—签收—反馈—办结—评价."""
