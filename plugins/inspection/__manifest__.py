{
    "name": "inspection",
    "title": {"zh": "综合查一次", "en": "Combined inspections"},
    "version": "0.1.0",
    "summary": {
        "zh": "综合查一次与双随机一公开：检查事项清单、检查计划、随机抽取检查对象和检查人员、检查结果公开。",
        "en": "Combined one-visit inspections with auditable random draws of targets and inspectors, and published results.",
    },
    "depends": [],
    "license": "Proprietary",
}
