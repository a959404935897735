{
    "name": "exit_entry",
    "title": {"zh": "出入境绿色通道", "en": "Exit-entry green channel"},
    "version": "0.1.0",
    "summary": {
        "zh": "企业出入境绿色通道：证件加急办理、预约办、上门帮办、外籍人才服务与协助解冻。",
        "en": "The enterprise green channel for passports, permits and foreign talent, with appointments and on-site help.",
    },
    "depends": [],
    "license": "Proprietary",
}
