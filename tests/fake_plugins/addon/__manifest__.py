{
    "name": "fake_addon",
    "title": {"zh": "测试附加", "en": "Test add-on"},
    "version": "0.0.1",
    "summary": {"zh": "依赖测试面板。", "en": "Depends on the test panels."},
    "depends": ["fake_panels"],
}
