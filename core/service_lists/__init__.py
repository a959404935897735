"""The positive service list (点单式服务) and the negative list of police–enterprise
conduct (负面清单). See ``core.service_lists.services``."""
