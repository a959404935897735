{
    "name": "fake_panels",
    "title": {"zh": "测试面板", "en": "Test panels"},
    "version": "9.8.7",
    "summary": {"zh": "只在测试中使用的插件。", "en": "A plugin that exists only in the tests."},
    "depends": [],
    "license": "Proprietary",
}
