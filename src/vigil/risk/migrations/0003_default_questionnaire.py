"""The default premises vulnerability questionnaire (src/vigil/risk/data/)."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parents[1] / "data" / "vulnerability_questionnaire.json"


def load(apps, schema_editor):
    questionnaire = apps.get_model("risk", "Questionnaire")
    section_model = apps.get_model("risk", "QuestionnaireSection")
    question_model = apps.get_model("risk", "Question")
    if questionnaire.objects.exists():
        return
    data = json.loads(DATA.read_text(encoding="utf-8"))
    q = questionnaire.objects.create(name=data["name"], source=data["_source"])
    for s_pos, (title, questions) in enumerate(data["sections"], start=1):
        section = section_model.objects.create(questionnaire=q, title=title, position=s_pos)
        for q_pos, (text, weight, options) in enumerate(questions, start=1):
            question_model.objects.create(section=section, text=text, weight=weight,
                                          options=options, position=q_pos)


class Migration(migrations.Migration):
    dependencies = [("risk", "0002_settings_row")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
