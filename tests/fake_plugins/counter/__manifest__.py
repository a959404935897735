{
    "name": "fake_counter",
    "title": {"zh": "测试窗口", "en": "Test counter"},
    "version": "0.1.0",
    "summary": {"zh": "只在测试中使用的插件：门户服务和问答。", "en": "A plugin that exists only in the tests: portal services and FAQ."},
    "depends": [],
    "license": "Proprietary",
}
