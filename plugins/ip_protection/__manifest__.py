{
    "name": "ip_protection",
    "title": {"zh": "知产警官在线", "en": "IP officers online"},
    "version": "0.1.0",
    "summary": {
        "zh": "知产警官在线：知识产权咨询、保护体检、侵权案件与区域品牌保护。",
        "en": "IP officers online: consultations, IP health checks, infringement cases and regional brands.",
    },
    "depends": [],
    "license": "Proprietary",
}
