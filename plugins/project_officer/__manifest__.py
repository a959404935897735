{
    "name": "project_officer",
    "title": {"zh": "项目警官“五个一”", "en": "Project officers"},
    "version": "0.1.0",
    "summary": {
        "zh": "重点项目“五个一”：一个项目、一名警官、一套班子、一个方案、一套档案。",
        "en": "A police officer for each key project and its five-ones file: project, officer, team, plan and dossier.",
    },
    "depends": [],
    "license": "Proprietary",
}
